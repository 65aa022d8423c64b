#!/usr/bin/env node
import { Command } from 'commander';
import { GENERATOR_VERSION } from '../version';
import { processIo } from './common';
import { defineCreate } from './create-command';

const program = new Command('platform-kit').version(GENERATOR_VERSION).description('Keep a create-platform-cluster GitOps repository true.');
defineCreate(program.command('new-cluster'), processIo, (code) => (process.exitCode = code));
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});
void program.parseAsync(process.argv);
