#!/usr/bin/env node
import { Command } from 'commander';
import { exitTwoOnUsageError, exitWhenFlushed, processIo, quietOnClosedOutput } from './common';
import { defineCreate } from './create-command';
import { withVersion } from './version-flag';

// `… | head -1`: the output stops quietly when its reader goes away (see quietOnClosedOutput).
quietOnClosedOutput();

const program = defineCreate(
  withVersion(exitTwoOnUsageError(new Command('create-platform-cluster'))),
  processIo,
  (code) => (process.exitCode = code),
);
// Parsed when run as the bin; `platform-kit completion` imports it to read its options.
if (require.main === module) void program.parseAsync(process.argv).then(() => exitWhenFlushed());

export { program };
