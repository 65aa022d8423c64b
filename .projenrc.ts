import { github, javascript, typescript } from 'projen';

// The single source of package.json, tsconfig*.json and .projen/tasks.json.
// Edit this file and run `npx projen`; never edit the generated files.
const project = new typescript.TypeScriptProject({
  name: 'create-platform-cluster',
  description: 'Scaffold and keep a multi-cluster Flux GitOps repository (Talos, Cilium, Flux) generated from a story plan.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenVersion: '0.103.25',
  eslint: false,
  jest: false,
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
  bin: {
    'create-platform-cluster': 'lib/cli/create-platform-cluster.js',
    'add-story': 'lib/cli/add-story.js',
    'platform-kit': 'lib/cli/platform-kit.js',
  },
  tsconfig: {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022'],
      esModuleInterop: true,
      skipLibCheck: true,
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

const examples = project.addTask('examples', {
  description: 'Regenerate examples/reference-platform from examples/reference-platform.answers.yaml, with all 41 stories approved',
});
examples.spawn(project.compileTask);
examples.spawn(project.postCompileTask);
examples.exec('rm -rf examples/reference-platform');
examples.exec('node lib/cli/create-platform-cluster.js --answers examples/reference-platform.answers.yaml --stories all --approve --dir examples/reference-platform --yes');

project.addTask('examples:check', {
  description: 'Fail when examples/reference-platform is stale',
  exec: 'vitest run test/examples.test.ts',
});

const reference = project.addTask('reference', {
  description: 'Scaffold the reference platform (clusters infra and apps, defaults, all 41 stories approved) into ./reference-platform (or --dir D)',
});
reference.spawn(project.compileTask);
reference.spawn(project.postCompileTask);
reference.exec('sh scripts/reference.sh', { receiveArgs: true });

const schemas = project.addTask('schemas', {
  description: 'Rewrite precompiled/schemas.cjs (the validators of the kinds `check` validates) from the kubernetes-models packages',
});
schemas.spawn(project.compileTask);
schemas.exec('node scripts/build-schemas.mjs');

// One minified line of 1.6 MB: generated, and its diff is noise (the freshness test says when it is stale).
project.gitattributes.addAttributes('/precompiled/schemas.cjs', 'linguist-generated', '-diff');

// Built, not committed: after tsc, the post-compile step writes lib/built/templates.cjs (the .hbs templates
// precompiled) and lib/built/catalog.json (the validated catalog). Without them the tool compiles and validates at
// run time (development from src/), so the tasks below that run the CLI from lib/ build them first.
project.postCompileTask.exec('node scripts/build-assets.mjs');

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
    steps: [checkout(), setupNode('${{ matrix.node }}'), { name: 'Test (what a fresh clone runs: .ci/run)', run: '.ci/run' }],
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
        run: 'test "v$(node -p "require(\'./package.json\').version")" = "$GITHUB_REF_NAME" || { echo "tag $GITHUB_REF_NAME is not v + the version in package.json (set it in .projenrc.ts)" >&2; exit 1; }',
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
