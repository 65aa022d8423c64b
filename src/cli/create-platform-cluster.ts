#!/usr/bin/env node
import { Command } from 'commander';
import { GENERATOR_VERSION } from '../version';
import { processIo } from './common';
import { defineCreate } from './create-command';

const program = defineCreate(new Command('create-platform-cluster').version(GENERATOR_VERSION), processIo, (code) => (process.exitCode = code));
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});
void program.parseAsync(process.argv);
