import { type Command, Option } from 'commander';
import { GENERATOR_VERSION } from '../version';

/**
 * `-v` / `--version` print the package version and exit 0 (what people type first); commander's former `-V` still
 * works, unlisted. Set it on a program before its subcommands are added.
 */
export function withVersion<C extends Command>(program: C): C {
  program.version(GENERATOR_VERSION, '-v, --version', 'print the version of create-platform-cluster');
  program.addOption(new Option('-V').hideHelp());
  program.on('option:V', () => {
    process.stdout.write(GENERATOR_VERSION + '\n');
    process.exit(0);
  });
  return program;
}
