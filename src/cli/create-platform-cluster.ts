#!/usr/bin/env node
import { Command } from 'commander';
import { GENERATOR_VERSION } from '../version';
import { exitTwoOnUsageError, processIo, quietOnClosedOutput } from './common';
import { defineCreate } from './create-command';

// `… | head -1`: the output stops quietly when its reader goes away (see quietOnClosedOutput).
quietOnClosedOutput();

const program = defineCreate(exitTwoOnUsageError(new Command('create-platform-cluster')).version(GENERATOR_VERSION), processIo, (code) => (process.exitCode = code));
void program.parseAsync(process.argv);
