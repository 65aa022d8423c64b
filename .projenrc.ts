import { github, javascript, typescript } from 'projen';

// The single source of package.json, tsconfig*.json, biome.jsonc and .projen/tasks.json.
// Edit this file and run `npx projen`; never edit the generated files.

// The hand-written code: what Biome formats and lints, and scripts/line-length.mjs checks (it reads biome.jsonc).
// Not templates/, examples/, catalog/, test/fixtures/, generated files (package.json, precompiled/ ...) or bench JSON.
const LINTED = [
  'src/**/*.ts',
  'test/**/*.ts',
  'bench/**/*.mjs',
  'scripts/**/*.mjs',
  '.projenrc.ts',
  'vitest.config.mts',
];
const project = new typescript.TypeScriptProject({
  name: 'create-platform-cluster',
  description:
    'Scaffold and keep a multi-cluster Flux GitOps repository (Talos, Cilium, Flux) generated from a story plan.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenVersion: '0.103.25',
  eslint: false,
  jest: false,
  // Biome is the linter and the formatter (`npx projen lint` checks, `npx projen format` writes): see LINTED below.
  biome: true,
  biomeOptions: {
    version: '2.6.9',
    // Import sorting is an assist action: off, it would reorder every file's imports (and their evaluation order).
    assist: false,
    biomeConfig: {
      // The code as it is: 2 spaces, single quotes, semicolons, trailing commas everywhere, 120 columns (measured:
      // src/ has 911 lines of 110-119 characters and 266 of 120-129; the comments are wrapped at 120).
      formatter: { indentStyle: javascript.biome_config.IndentStyle.SPACE, indentWidth: 2, lineWidth: 120 },
      javascript: {
        formatter: {
          quoteStyle: javascript.biome_config.QuoteStyle.SINGLE,
          semicolons: javascript.biome_config.Semicolons.ALWAYS,
          trailingCommas: javascript.biome_config.JsTrailingCommas.ALL,
          arrowParentheses: javascript.biome_config.ArrowParentheses.ALWAYS,
        },
      },
      // The recommended rules; each one turned off says why in one line.
      linter: {
        rules: {
          style: {
            // `!` follows a lookup the code has just checked (Map.get after has, a matched group), which tsc cannot see.
            noNonNullAssertion: 'off',
            // `'a ' + b` and `${a} b` both read well; Biome marks its rewrite unsafe, so it would be 121 hand edits.
            useTemplate: 'off',
          },
          suspicious: {
            // Parsed YAML/JSON and kubectl output are typed `any` at the boundary (261 uses); typing them is its own change.
            noExplicitAny: 'off',
            // The generator writes Flux post-build substitutions (`${CLUSTER_NAME}`) as plain strings on purpose.
            noTemplateCurlyInString: 'off',
            // The input checks reject control characters and the tests strip ANSI escapes: the regexes name them.
            noControlCharactersInRegex: 'off',
            // `(m[k] ??= []).push(x)` and `while ((m = re.exec(s)))` are idioms the code uses on purpose (26 places).
            noAssignInExpressions: 'off',
            // The plan's decision table and a JSON Schema if/then/else are `{ ..., then }` data, never awaited.
            noThenProperty: 'off',
          },
        },
      },
    },
  },
  // GitHub: two workflows of our own below (ci on Node 20.19/22/24, release on a v* tag); none of projen's
  // (its build workflow runs one Node version; its release bumps from conventional commits on every push to main).
  github: true,
  githubOptions: { pullRequestLint: false, mergify: false },
  buildWorkflow: false,
  release: false,
  depsUpgradeOptions: { workflow: false }, // keep the `upgrade` task, no scheduled workflow
  pullRequestTemplate: false,
  stale: false,
  typescriptVersion: '~5.9.3',
  minNodeVersion: '20.19.0',
  license: 'Apache-2.0',
  copyrightOwner: 'create-platform-cluster authors',
  deps: [
    'commander@^14.0.2',
    'handlebars@^4.7.8',
    'yaml@^2.8.1',
    'zod@^4.1.12',
    'ipaddr.js@^2.2.0',
    'diff@^8.0.2',
    'fastest-levenshtein@^1.0.16',
    'fs-extra@^11.3.2',
    '@inquirer/prompts@^7.10.1',
  ],
  devDeps: [
    'vitest@^4.0.8',
    // an independent gitignore implementation the tests compare GitRepository spec.ignore handling against
    'ignore@^7.0.5',
    '@types/fs-extra@^11.0.4',
    '@types/node@^20',
    'fast-check@^4.3.0',
    // The schemas `platform-kit check` validates with: bundled into precompiled/schemas.cjs by `npx projen schemas`
    // (scripts/build-schemas.mjs with rolldown), so the installed package does not carry these 41 MB (Node >= 22).
    'kubernetes-models@^5.1.0',
    '@kubernetes-models/flux-cd@^4.0.0',
    '@kubernetes-models/cert-manager@^6.0.0',
    '@kubernetes-models/external-secrets@^2.0.0',
    '@kubernetes-models/gateway-api@^2.0.0',
    '@kubernetes-models/prometheus-operator@^6.0.0',
    'rolldown@~1.2.18',
    // test/unit/json-schema-file.test.ts compiles schemas/platform.schema.json in strict draft-07 mode
    'ajv@^8.17.1',
    // test/layers-graph.test.ts: the import graph of src/ has no cycle and check/ stays independent of the model
    'madge@8.0.0',
  ],
  // The bins run their bundles (scripts/bundle-bins.mjs, the last post-compile step): a few files to load instead of
  // ~270 modules. lib/cli/*.js are the same programs unbundled (development, the library's tests).
  bin: {
    'create-platform-cluster': 'lib/bundle/create-platform-cluster.js',
    'add-story': 'lib/bundle/add-story.js',
    'platform-kit': 'lib/bundle/platform-kit.js',
  },
  tsconfig: {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022'],
      esModuleInterop: true,
      skipLibCheck: true,
      // Source maps in files of their own (lib/**/*.js.map, for `node --enable-source-maps`), which the package does not
      // ship ("files" takes lib/**/*.js): inline, with the sources, they were 2.3 of the 3.3 MB of lib/'s code.
      inlineSourceMap: false,
      sourceMap: true,
    },
  },
  tsconfigDev: {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022'],
      esModuleInterop: true,
      skipLibCheck: true,
    },
    include: ['vitest.config.mts', 'bench/**/*.ts'],
  },
  // What npm publishes is the `files` allow-list below, not an .npmignore deny-list.
  npmignoreEnabled: false,
  gitignore: ['/reference-platform/', '/my-platform/', '/.vitest-results.json', '/bench/out/'],
});

project.package.addVersion('0.1.0');

// What the package ships: only what the CLIs read at run time (test/package-files.test.ts checks `npm pack`).
// npm always adds package.json, README.md and LICENSE.
project.package.addField('files', [
  'lib/**/*.js',
  'lib/**/*.d.ts',
  // written by the post-compile step: the precompiled templates and the validated catalog
  'lib/built/',
  // written by the post-compile step too: the bins' bundles and the generator's stamp (lib/bundle/generator.sha256)
  'lib/bundle/',
  'templates/',
  'catalog/',
  // the kubernetes validators `check` uses (precompiled/schemas.cjs)
  'precompiled/',
  // the JSON Schema of platform.yaml (editors read it through the yaml-language-server line the tool writes)
  'schemas/',
]);

// The public entry points: the library API (src/index.ts) and the platform.yaml JSON Schema. Deep imports of lib/
// are the implementation and not exported; require('create-platform-cluster') keeps working (test/layers-api.test.ts).
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './schemas/platform.schema.json': './schemas/platform.schema.json',
  './package.json': './package.json',
});

// Tests: vitest, with the real `kubectl kustomize` and `git` (see README).
project.testTask.reset('vitest run');

// ---------------------------------------------------------------- lint and format (Biome)
// Exactly LINTED: the TypeScript project adds src/** and test/** (test/fixtures/ holds inputs, not code).
project.biome!.file.addOverride('files.includes', LINTED);
// Two tasks instead of projen's `biome` (which writes): `lint` only reads (CI runs it), `format` writes.
project.removeTask('biome');
const lint = project.addTask('lint', {
  description:
    'Check formatting and lint rules (Biome, no writes), that no line is over 160 characters, and the types of the tests',
});
lint.exec('biome check --error-on-warnings');
// Biome cannot wrap a long string or comment, so the 160-character ceiling of the developers' guide is its own check.
lint.exec('node scripts/line-length.mjs 160');
// vitest runs the tests without a type check: a test importing a name its module no longer exports fails only when run.
lint.exec('tsc -p test/tsconfig.json --noEmit');
const format = project.addTask('format', {
  description: 'Format the code and apply the safe lint fixes (Biome, writes)',
});
// Two passes: Biome's first is not idempotent on a call chain whose last argument is a long object literal
// (biomejs/biome#10531, open in 2.6.9); the second is the fixed point `lint` checks against. The second one also
// applies the safe lint fixes and fails when a finding is left that needs a hand.
format.exec('biome format --write');
format.exec('biome check --write');

const examples = project.addTask('examples', {
  description:
    'Regenerate examples/reference-platform from examples/reference-platform.answers.yaml, with all 41 stories approved',
});
examples.spawn(project.compileTask);
examples.spawn(project.postCompileTask);
examples.exec('rm -rf examples/reference-platform');
examples.exec(
  'node lib/cli/create-platform-cluster.js --answers examples/reference-platform.answers.yaml --stories all --approve --dir examples/reference-platform --yes',
);

project.addTask('examples:check', {
  description: 'Fail when examples/reference-platform is stale',
  exec: 'vitest run test/examples.test.ts',
});

const reference = project.addTask('reference', {
  description:
    'Scaffold the reference platform (clusters infra and apps, defaults, all 41 stories approved) into ./reference-platform (or --dir D)',
});
reference.spawn(project.compileTask);
reference.spawn(project.postCompileTask);
reference.exec('sh scripts/reference.sh', { receiveArgs: true });

const schemas = project.addTask('schemas', {
  description:
    'Rewrite precompiled/schemas.cjs (the validators of the kinds `check` validates) from the kubernetes-models packages',
});
schemas.spawn(project.compileTask);
schemas.exec('node scripts/build-schemas.mjs');

// One minified line of 1.6 MB: generated, and its diff is noise (the freshness test says when it is stale).
project.gitattributes.addAttributes('/precompiled/schemas.cjs', 'linguist-generated', '-diff');

// Built, not committed: after tsc, the post-compile step writes lib/built/templates.cjs (the .hbs templates
// precompiled) and lib/built/catalog.json (the validated catalog). Without them the tool compiles and validates at
// run time (development from src/), so the tasks below that run the CLI from lib/ build them first.
project.postCompileTask.exec('node scripts/build-assets.mjs');
// Then each bin bundled into lib/bundle/ (rolldown; from src/, so a dynamic import() stays a chunk loaded on demand).
project.postCompileTask.exec('node scripts/bundle-bins.mjs');

const jsonSchema = project.addTask('json-schema', {
  description: 'Rewrite schemas/platform.schema.json after changing the zod schema of platform.yaml',
});
jsonSchema.spawn(project.compileTask);
jsonSchema.exec('node scripts/json-schema.mjs');

const bench = project.addTask('bench', { description: 'Run the benchmarks in bench/ and print the table' });
bench.spawn(project.compileTask);
bench.spawn(project.postCompileTask);
bench.exec('node bench/run.mjs', { receiveArgs: true });

// ---------------------------------------------------------------- GitHub Actions
// The supported Node versions: the engines floor (minNodeVersion) and the current LTS lines.
const NODE_VERSIONS = ['20.19.0', '22', '24'];
const checkout = (fetchDepth?: number): github.workflows.JobStep => ({
  name: 'Checkout',
  uses: 'actions/checkout@v5',
  ...(fetchDepth === undefined ? {} : { with: { 'fetch-depth': fetchDepth } }),
});
const setupNode = (version: string, registry = false): github.workflows.JobStep => ({
  name: 'Set up Node.js',
  uses: 'actions/setup-node@v5',
  with: { 'node-version': version, ...(registry ? { 'registry-url': 'https://registry.npmjs.org' } : {}) },
});

const ci = project.github!.addWorkflow('ci');
ci.on({ push: { branches: ['main'] }, pullRequest: {}, workflowDispatch: {} });
ci.addJobs({
  test: {
    name: 'npm ci && npm test on Node ${{ matrix.node }}',
    runsOn: ['ubuntu-latest'],
    permissions: { contents: github.workflows.JobPermission.READ },
    strategy: { failFast: false, matrix: { domain: { node: NODE_VERSIONS } } },
    steps: [
      checkout(),
      setupNode('${{ matrix.node }}'),
      { name: 'Test (what a fresh clone runs: .ci/run)', run: '.ci/run' },
    ],
  },
  lint: {
    name: 'Lint and format check (npx projen lint)',
    runsOn: ['ubuntu-latest'],
    permissions: { contents: github.workflows.JobPermission.READ },
    steps: [
      checkout(),
      setupNode(NODE_VERSIONS[1]),
      { name: 'Install', run: 'npm ci' },
      { name: 'Lint', run: 'npx projen lint' },
    ],
  },
  projen: {
    name: 'Generated files match .projenrc.ts',
    runsOn: ['ubuntu-latest'],
    permissions: { contents: github.workflows.JobPermission.READ },
    steps: [
      checkout(),
      setupNode(NODE_VERSIONS[1]),
      { name: 'Install', run: 'npm ci' },
      { name: 'Synthesize', run: 'npx projen' },
      { name: 'Nothing changed', run: 'git diff --exit-code' },
    ],
  },
});

// A release is one tag away: bump the version in .projenrc.ts (project.package.addVersion), run npx projen, commit,
// then `git tag v<version> && git push origin v<version>`. The workflow tests that commit, publishes the tested
// tarball to npm with provenance and makes a GitHub release whose notes are the commits since the previous tag.
const release = project.github!.addWorkflow('release');
release.on({ push: { tags: ['v*'] } });
release.addJobs({
  release: {
    name: 'Test, publish to npm, GitHub release',
    runsOn: ['ubuntu-latest'],
    permissions: {
      contents: github.workflows.JobPermission.WRITE, // the GitHub release
      idToken: github.workflows.JobPermission.WRITE, // npm provenance
    },
    env: { CI: 'true' },
    steps: [
      checkout(0),
      setupNode(NODE_VERSIONS[1], true),
      {
        name: 'The tag is the package version',
        run:
          'test "v$(node -p "require(\'./package.json\').version")" = "$GITHUB_REF_NAME" || { echo "tag ' +
          '$GITHUB_REF_NAME is not v + the version in package.json (set it in .projenrc.ts)" >&2; exit 1; }',
      },
      { name: 'Test (npm ci && npm test)', run: '.ci/run' },
      { name: 'Nothing generated differs from the tag', run: 'git diff --exit-code' },
      { name: 'Pack', run: 'mkdir -p dist && npm pack --pack-destination dist' },
      {
        name: 'Changelog (the commits since the previous tag)',
        run: [
          'prev=$(git describe --tags --abbrev=0 --match "v*" "$GITHUB_REF_NAME^" 2>/dev/null || true)',
          '{ echo "## $GITHUB_REF_NAME"; echo; git log --no-merges --format="- %s (%h)" ${prev:+"$prev.."}"$GITHUB_REF_NAME"; } > dist/CHANGELOG.md',
          'cat dist/CHANGELOG.md',
        ].join('\n'),
      },
      {
        name: 'Publish to npm with provenance',
        run: 'npm publish dist/*.tgz --provenance --access public',
        env: { NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}' },
      },
      {
        name: 'GitHub release',
        run: 'gh release create "$GITHUB_REF_NAME" --title "$GITHUB_REF_NAME" --notes-file dist/CHANGELOG.md dist/*.tgz',
        env: { GH_TOKEN: '${{ github.token }}' },
      },
    ],
  },
});

project.synth();
