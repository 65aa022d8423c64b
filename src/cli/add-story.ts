#!/usr/bin/env node
import { Command } from 'commander';
import { GENERATOR_VERSION } from '../version';

// The story catalog and add-story arrive with issue #3; until then the command says so and changes nothing.
const program = new Command('add-story')
  .version(GENERATOR_VERSION)
  .description('Scaffold a story of the delivery plan (STORY-…) into the GitOps repository.')
  .argument('<id>', 'story id, e.g. STORY-NET-CILIUM-GATEWAY')
  .action((id: string) => {
    process.stderr.write(`error: add-story ${id}: the story catalog is not part of this version yet; nothing was written\n`);
    process.exitCode = 2;
  });
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});
void program.parseAsync(process.argv);
