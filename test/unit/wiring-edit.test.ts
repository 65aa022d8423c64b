// Structural edits of a person's wiring files (src/generate/wiring-edit.ts). The fixtures are written here in the
// shapes seen in real Flux repositories (a home-ops namespace kustomization with a modeline, components: and a
// sorted list; a hand-kept infrastructure list with comments between entries and no final newline; flow lists;
// Flux lane files with several documents), not copied from them. Expectations are stated as "the original lines
// with this one line inserted here", or read back with the yaml parser, so a wrong position or a changed byte fails.
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  addResource,
  listDocuments,
  listResources,
  newKustomization,
  removeDocument,
  removeResource,
  styleOf,
  upsertDocument,
  WiringEditError,
  type WiringEditReason,
} from '../../src/generate/wiring-edit';

const lines = (...l: string[]) => l.map((x) => `${x}\n`).join('');
const crlf = (s: string) => s.replace(/\n/g, '\r\n');
/** The text with `line` inserted before its line number `at` (0-based), in the text's own line ending. */
function inserted(text: string, at: number, ...line: string[]): string {
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const parts = text.split(nl);
  parts.splice(at, 0, ...line);
  return parts.join(nl);
}

/** A namespace kustomization as home-ops repositories keep them: modeline, namespace, components, sorted apps. */
const NAMESPACE = lines(
  '---',
  '# yaml-language-server: $schema=https://json.schemastore.org/kustomization',
  'apiVersion: kustomize.config.k8s.io/v1beta1',
  'kind: Kustomization',
  'namespace: media',
  '',
  'components:',
  '  - ../../components/alerts',
  '  - ../../components/volsync',
  '',
  'resources:',
  '  - ./namespace.yaml',
  '  - ./bazarr/ks.yaml',
  '  - ./jellyfin/ks.yaml',
  '  - ./sonarr/ks.yaml',
);

/** A list kept by hand: comments between entries, a trailing comment, folder entries, no final newline. */
const HAND_KEPT = [
  '---',
  'apiVersion: kustomize.config.k8s.io/v1beta1',
  'kind: Kustomization',
  'resources:',
  '  # Cilium first: everything else needs the network',
  '  - cilium/core/ks.yaml',
  '  - cilium/ipam/ks.yaml  # pool for LoadBalancer IPs',
  '  # ENABLED: coredns from Flux',
  '  - coredns/ks.yaml',
  '  - spegel/ks.yaml',
  '  - external-dns/',
  '  # gitops/ is wired elsewhere',
].join('\n');

const UNSORTED = lines(
  'apiVersion: kustomize.config.k8s.io/v1beta1',
  'kind: Kustomization',
  'namespace: network',
  'resources:',
  '- ./echo-server/ks.yaml',
  '- ./external-dns/ks.yaml',
  '- ./envoy-gateway/ks.yaml',
);

function refusal(fn: () => unknown, what = ''): { reason: WiringEditReason; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof WiringEditError) return { reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error(`expected a WiringEditError, got none ${what}`);
}

describe('addResource / removeResource', () => {
  it('puts a new app at its sorted place, in the list spelling (./), and every other line stays', () => {
    const out = addResource(NAMESPACE, 'radarr/ks.yaml');
    expect(out).toBe(inserted(NAMESPACE, 14, '  - ./radarr/ks.yaml'));
    // before the first app: after namespace.yaml, which is of another shape and does not make the list unsorted
    expect(addResource(NAMESPACE, './audiobookshelf/ks.yaml')).toBe(
      inserted(NAMESPACE, 12, '  - ./audiobookshelf/ks.yaml'),
    );
    // after the last one
    expect(addResource(NAMESPACE, './tautulli/ks.yaml')).toBe(inserted(NAMESPACE, 15, '  - ./tautulli/ks.yaml'));
    expect(parse(out).components).toEqual(['../../components/alerts', '../../components/volsync']);
  });

  it('appends to a list that is not sorted, in its indentation and without ./ when the list has none', () => {
    expect(addResource(UNSORTED, './aaa/ks.yaml')).toBe(inserted(UNSORTED, 7, '- ./aaa/ks.yaml'));
    const bare = UNSORTED.replace(/\.\//g, '');
    expect(addResource(bare, './aaa/ks.yaml')).toBe(inserted(bare, 7, '- aaa/ks.yaml'));
  });

  it('keeps comments: a sorted insert goes above the comment heading the next entry; the trailing comment stays last', () => {
    const out = addResource(HAND_KEPT, 'cilium/gateway/ks.yaml');
    expect(out).toBe(inserted(HAND_KEPT, 6, '  - cilium/gateway/ks.yaml'));
    // first of the list: right under resources:, above the comment that heads the list
    expect(addResource(HAND_KEPT, 'aaa/ks.yaml')).toBe(inserted(HAND_KEPT, 4, '  - aaa/ks.yaml'));
    // the x/ks.yaml entries are sorted (the folder entry external-dns/ is another shape): after the last of them
    expect(addResource(HAND_KEPT, 'zot/ks.yaml')).toBe(inserted(HAND_KEPT, 10, '  - zot/ks.yaml'));
    // a folder: the only one of its shape, after it, above the trailing comment; still no final newline
    const end = addResource(HAND_KEPT, 'zot/');
    expect(end).toBe(inserted(HAND_KEPT, 11, '  - zot/'));
    expect(end.endsWith('\n')).toBe(false);
  });

  it('treats ./x, x, x/ and .//x as one entry: adding twice, or in another spelling, changes nothing', () => {
    const once = addResource(NAMESPACE, 'radarr/ks.yaml');
    expect(addResource(once, 'radarr/ks.yaml')).toBe(once);
    expect(addResource(once, './radarr//ks.yaml')).toBe(once);
    expect(addResource(HAND_KEPT, './external-dns')).toBe(HAND_KEPT);
    expect(removeResource(HAND_KEPT, 'external-dns')).toBe(inserted(HAND_KEPT, 10).replace('  - external-dns/\n', ''));
    expect(removeResource(NAMESPACE, './absent/ks.yaml')).toBe(NAMESPACE);
  });

  const shapes: Record<string, string> = {
    'namespace kustomization': NAMESPACE,
    'hand-kept, no final newline': HAND_KEPT,
    unsorted: UNSORTED,
    CRLF: crlf(NAMESPACE),
    'BOM and CRLF': `\ufeff${crlf(HAND_KEPT)}`,
    'flow list': lines(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources: [a.yaml, b/ks.yaml]',
    ),
    'empty flow list': lines('kind: Kustomization', 'resources: []'),
    'resources: with nothing': lines('kind: Kustomization', 'resources:', 'namespace: x'),
    'no resources, blank lines between keys': lines('kind: Kustomization', '', 'components:', '- ../c'),
    'no resources, no final newline': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization',
    'a Component': lines(
      'apiVersion: kustomize.config.k8s.io/v1alpha1',
      'kind: Component',
      'resources:',
      '  - ./x.yaml',
    ),
  };
  for (const [name, text] of Object.entries(shapes)) {
    it(`add then remove gives back the same bytes: ${name}`, () => {
      for (const entry of [
        './new/ks.yaml',
        'a#b',
        'key: value',
        `it's "quoted"`,
        'yes',
        '1.10',
        '1_000',
        '- dash',
        ' lead',
      ]) {
        const added = addResource(text, entry);
        expect(listResources(added).map((r) => r.replace(/^\.\//, ''))).toContain(entry.replace(/^\.\//, ''));
        expect(listResources(added)).toHaveLength(listResources(text).length + 1);
        // the one exception: a `resources:` with nothing goes with the last entry (as one this module created does)
        expect(removeResource(added, entry)).toBe(text.replace(/^resources:\n(?=namespace)/m, ''));
        expect(addResource(added, entry)).toBe(added);
      }
    });
  }

  it('keeps CRLF and the BOM: new lines end in CRLF too, and no bare LF appears', () => {
    const out = addResource(`\ufeff${crlf(NAMESPACE)}`, 'radarr/ks.yaml');
    expect(out.startsWith('\ufeff---\r\n')).toBe(true);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(out).toBe(`\ufeff${crlf(inserted(NAMESPACE, 14, '  - ./radarr/ks.yaml'))}`);
  });

  it('quotes hostile entries so they read back as written, in the list quoting when it has one', () => {
    const out = addResource(UNSORTED.replace(/\.\//g, ''), 'x: y # z');
    expect(out).toBe(inserted(UNSORTED.replace(/\.\//g, ''), 7, '- "x: y # z"'));
    expect(parse(out).resources.at(-1)).toBe('x: y # z');
    const quoted = lines('kind: Kustomization', 'resources:', "  - 'a.yaml'");
    expect(addResource(quoted, 'b.yaml')).toBe(inserted(quoted, 3, "  - 'b.yaml'"));
    expect(addResource(UNSORTED.replace(/\.\//g, ''), 'on')).toBe(inserted(UNSORTED.replace(/\.\//g, ''), 7, '- "on"'));
    // 1_000 is a string in YAML 1.2 but a number in 1.1: quoted
    expect(addResource(UNSORTED.replace(/\.\//g, ''), '1_000')).toBe(
      inserted(UNSORTED.replace(/\.\//g, ''), 7, '- "1_000"'),
    );
  });

  it('edits a flow list in place, sorted or appended, with its own separator', () => {
    const flow = lines('kind: Kustomization', 'resources: [a.yaml, c.yaml]', 'namespace: x');
    expect(addResource(flow, 'b.yaml')).toBe(flow.replace('[a.yaml, c.yaml]', '[a.yaml, b.yaml, c.yaml]'));
    expect(addResource(flow, 'd.yaml')).toBe(flow.replace('[a.yaml, c.yaml]', '[a.yaml, c.yaml, d.yaml]'));
    expect(removeResource(flow, 'a.yaml')).toBe(flow.replace('[a.yaml, c.yaml]', '[c.yaml]'));
    expect(removeResource(flow, './c.yaml')).toBe(flow.replace('[a.yaml, c.yaml]', '[a.yaml]'));
    expect(addResource(lines('kind: Kustomization', 'resources: []'), 'a')).toBe(
      lines('kind: Kustomization', 'resources: [a]'),
    );
  });

  it('creates resources: after the last key, in the style of the other lists, set apart as the keys are', () => {
    const text = lines('---', 'kind: Kustomization', 'namespace: x', '', 'components:', '- ../c');
    expect(addResource(text, './a/ks.yaml')).toBe(`${text}${lines('', 'resources:', '- ./a/ks.yaml')}`);
    const plain = lines(
      'kind: Kustomization',
      'patches:',
      '  - path: p.yaml',
      '    target:',
      '      kind: HelmRelease',
    );
    expect(addResource(plain, 'a')).toBe(`${plain}${lines('resources:', '  - a')}`);
    // a mapping indented as a whole (valid YAML): the new key at its indentation
    const indented = lines('  kind: Kustomization', '  namespace: x');
    expect(addResource(indented, 'a')).toBe(`${indented}${lines('  resources:', '    - a')}`);
    expect(removeResource(addResource(indented, 'a'), 'a')).toBe(indented);
  });

  it('removes the lines of an entry and keeps the comments around it', () => {
    expect(removeResource(HAND_KEPT, 'coredns/ks.yaml')).toBe(HAND_KEPT.replace('  - coredns/ks.yaml\n', ''));
    expect(removeResource(HAND_KEPT, 'cilium/ipam/ks.yaml')).toBe(
      HAND_KEPT.replace('  - cilium/ipam/ks.yaml  # pool for LoadBalancer IPs\n', ''),
    );
    // the last entry of a list whose key line carries a comment: the key stays, as an empty list
    const commented = lines('kind: Kustomization', 'resources: # apps', '  - a');
    expect(removeResource(commented, 'a')).toBe(lines('kind: Kustomization', 'resources: # apps'));
    expect(parse(removeResource(commented, 'a')).resources).toBeNull();
    // the file's only key stays too: a kustomization with nothing left is still one
    const only = lines('## samples ##', 'resources:', '- a.yaml', '#+kubebuilder:scaffold:samples');
    expect(removeResource(only, 'a.yaml')).toBe(lines('## samples ##', 'resources:', '#+kubebuilder:scaffold:samples'));
  });

  it('refuses, naming the file and the reason, what is not a kustomization resources list', () => {
    const file = { file: 'kubernetes/apps/media/kustomization.yaml' };
    const cases: [string, string, WiringEditReason, RegExp][] = [
      ['not YAML', 'resources: [a\n', 'not-yaml', /not valid YAML \(line 1: /],
      ['duplicate key', 'resources: []\nresources: []\n', 'not-yaml', /not valid YAML/],
      ['a map', 'resources:\n  a: b\n', 'not-a-list', /resources is not a list/],
      ['a string', 'resources: a.yaml\n', 'not-a-list', /resources is not a list/],
      ['an item that is a map', 'resources:\n  - path: a\n', 'not-a-list', /item 1 is not a path/],
      ['an alias', 'x: &r [a]\nresources: *r\n', 'alias', /anchor or alias/],
      ['an anchor', 'resources: &r\n  - a\nother: *r\n', 'alias', /anchor or alias/],
      ['an anchored item', 'resources:\n  - &a a\n', 'alias', /item 1 is an anchor or alias/],
      ['a merge key', 'base: &b {resources: [a]}\n<<: *b\n', 'alias', /merge key/],
      [
        'a Flux Kustomization',
        'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n',
        'not-kustomization',
        /not a kustomize/,
      ],
      ['two documents', 'kind: Kustomization\n---\nkind: Kustomization\n', 'unsupported', /2 YAML documents/],
      ['empty', '# nothing\n', 'not-kustomization', /empty/],
      ['a list at the top', '- a\n', 'not-kustomization', /not a mapping/],
      ['a flow mapping', '{kind: Kustomization, resources: [a]}\n', 'unsupported', /flow-style/],
      ['twice under two spellings', 'resources:\n  - ./a\n  - a/\n', 'duplicate', /lists a 2 times \("\.\/a", "a\/"\)/],
    ];
    for (const [name, text, reason, message] of cases) {
      for (const edit of [addResource, removeResource]) {
        const r = refusal(() => edit(text, 'a', file), name);
        expect(r.reason, name).toBe(reason);
        expect(r.message, name).toMatch(/^kubernetes\/apps\/media\/kustomization\.yaml: /);
        expect(r.message, name).toMatch(message);
      }
    }
    expect(refusal(() => addResource(NAMESPACE, 'a\nb')).reason).toBe('bad-entry');
    expect(refusal(() => addResource(NAMESPACE, '  ')).reason).toBe('bad-entry');
  });

  it('leaves a duplicate of another entry alone: only the entry edited must be there once', () => {
    const text = lines('resources:', '  - ./a', '  - a', '  - b');
    expect(removeResource(text, 'b')).toBe(lines('resources:', '  - ./a', '  - a'));
  });
});

describe('newKustomization / styleOf', () => {
  it('writes a kustomization the yaml library renders, in a neighbour style', () => {
    const style = styleOf(`\ufeff${crlf(NAMESPACE)}`);
    expect(style).toEqual({
      bom: true,
      eol: 'crlf',
      docStart: true,
      header: ['# yaml-language-server: $schema=https://json.schemastore.org/kustomization'],
      indentSeq: true,
    });
    const out = newKustomization(
      ['./namespace.yaml', './a/ks.yaml'],
      { namespace: 'ai', components: ['../../c'] },
      style,
    );
    expect(out.startsWith(`\ufeff---\r\n${style.header[0]}\r\n`)).toBe(true);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(Object.keys(parse(out.slice(1)))).toEqual(['apiVersion', 'kind', 'namespace', 'components', 'resources']);
    expect(listResources(out)).toEqual(['./namespace.yaml', './a/ks.yaml']);
    // and it then takes an edit like any other: sorted among the apps
    expect(listResources(addResource(out, 'b/ks.yaml'))).toEqual(['./namespace.yaml', './a/ks.yaml', './b/ks.yaml']);
  });

  it('reads the indentation of lists and writes level lists for a file that has them', () => {
    expect(styleOf(UNSORTED)).toMatchObject({ docStart: false, indentSeq: false, header: [], eol: 'lf', bom: false });
    expect(newKustomization(['a'], {}, styleOf(UNSORTED))).toBe(
      lines('apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', '- a'),
    );
  });

  it('quotes entries another YAML version would read as something else, and refuses a duplicate', () => {
    expect(parse(newKustomization(['yes', '1.0', 'a: b'])).resources).toEqual(['yes', '1.0', 'a: b']);
    expect(newKustomization(['yes'])).toContain('- "yes"');
    expect(refusal(() => newKustomization(['./a', 'a'])).reason).toBe('duplicate');
    expect(refusal(() => newKustomization(['a'], { resources: [] })).reason).toBe('bad-entry');
  });
});

/** A Flux lane file with two documents, as in the classic flux2 examples. */
const LANE = lines(
  '---',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1',
  'kind: Kustomization',
  'metadata:',
  '  name: infra-controllers',
  '  namespace: flux-system',
  'spec:',
  '  interval: 1h',
  '  path: ./infrastructure/controllers',
  '  prune: true',
  '  sourceRef:',
  '    kind: GitRepository',
  '    name: flux-system',
  '---',
  '# configs need the controllers first',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1',
  'kind: Kustomization',
  'metadata:',
  '  name: infra-configs',
  '  namespace: flux-system',
  'spec:',
  '  dependsOn:',
  '    - name: infra-controllers # the CRDs',
  '  interval: 1h',
  '  path: ./infrastructure/configs',
  '  prune: true',
  '  sourceRef:',
  '    kind: GitRepository',
  '    name: flux-system',
);

const fluxKs = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: 'flux-system' },
  spec: {
    interval: '1h',
    path: `./kubernetes/apps/${name}`,
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    ...extra,
  },
});
const KEY = { kind: 'Kustomization', name: 'cert-manager', namespace: 'flux-system' };

describe('upsertDocument / removeDocument', () => {
  it('appends a new document after a ---, the others byte for byte, and reads back as the value', () => {
    const doc = fluxKs('cert-manager', {
      postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }] },
    });
    const out = upsertDocument(LANE, doc, KEY);
    expect(out.startsWith(`${LANE}---\n`)).toBe(true);
    const docs = parseAllDocuments(out).map((d) => d.toJS());
    expect(docs).toHaveLength(3);
    expect(docs[2]).toEqual(doc);
    expect(listDocuments(out).map((d) => d.name)).toEqual(['infra-controllers', 'infra-configs', 'cert-manager']);
    expect(upsertDocument(out, doc, KEY)).toBe(out);
    expect(removeDocument(out, KEY)).toBe(LANE);
  });

  it('replaces a document where it stands, keeping its --- and heading comment and every other document', () => {
    const doc = fluxKs('infra-configs', { path: './infrastructure/configs-v2' });
    const out = upsertDocument(LANE, doc);
    const head = LANE.slice(0, LANE.indexOf('apiVersion', LANE.indexOf('# configs')));
    expect(out.startsWith(head)).toBe(true);
    expect(parseAllDocuments(out).map((d) => d.toJS())).toEqual([parseAllDocuments(LANE)[0].toJS(), doc]);
    // the same value again: the text is not re-rendered (the person's comment inside stays)
    const same = parseAllDocuments(LANE)[1].toJS();
    expect(upsertDocument(LANE, same)).toBe(LANE);
  });

  it('keeps the separator style: blank lines above ---, a first document without ---, the kind modeline', () => {
    const modeline = '# yaml-language-server: $schema=https://example.test/kustomization_v1.json';
    const spaced = lines(
      '---',
      modeline,
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: a',
      '',
      '---',
      modeline,
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: b',
    );
    const doc = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'c' } };
    const out = upsertDocument(spaced, doc);
    expect(out).toBe(
      `${spaced}${lines('', '---', modeline, 'apiVersion: kustomize.toolkit.fluxcd.io/v1', 'kind: Kustomization', 'metadata:', '  name: c')}`,
    );
    expect(removeDocument(out, { kind: 'Kustomization', name: 'c' })).toBe(spaced);
    // the first of two documents goes with the blank lines and --- that belong to it
    expect(removeDocument(spaced, { kind: 'Kustomization', name: 'a' })).toBe(spaced.slice(spaced.indexOf('---', 3)));
    const bare = lines('apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: s');
    const withDoc = upsertDocument(bare, doc);
    expect(withDoc).toBe(
      `${bare}${lines('---', 'apiVersion: kustomize.toolkit.fluxcd.io/v1', 'kind: Kustomization', 'metadata:', '  name: c')}`,
    );
    expect(removeDocument(withDoc, { kind: 'Kustomization', name: 'c' })).toBe(bare);
  });

  it('keeps CRLF, the BOM and a missing final newline', () => {
    const text = `\ufeff${crlf(LANE).replace(/\r\n$/, '')}`;
    const out = upsertDocument(text, fluxKs('cert-manager'));
    expect(out.startsWith(text)).toBe(true);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(out.endsWith('\n')).toBe(false);
    expect(removeDocument(out, KEY)).toBe(text);
  });

  it('tells documents apart by namespace and API group, and writes level lists where the file has them', () => {
    const other = { ...fluxKs('cert-manager'), metadata: { name: 'cert-manager', namespace: 'other' } };
    expect(listDocuments(upsertDocument(upsertDocument(LANE, fluxKs('cert-manager')), other))).toHaveLength(4);
    const kustomize = lines(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'metadata:',
      '  name: cert-manager',
      '  namespace: flux-system',
    );
    expect(
      upsertDocument(kustomize, fluxKs('cert-manager'), { ...KEY, apiVersion: 'kustomize.toolkit.fluxcd.io/v1' }),
    ).toContain(kustomize);
    expect(removeDocument(kustomize, { ...KEY, apiVersion: 'kustomize.toolkit.fluxcd.io/v1' })).toBe(kustomize);
    const level = lines('kind: A', 'metadata:', '  name: x', 'spec:', '  list:', '  - 1');
    expect(upsertDocument(level, { kind: 'B', metadata: { name: 'y' }, spec: { list: [1] } })).toContain(
      '  list:\n  - 1\n',
    );
  });

  it('refuses, naming the file and the reason', () => {
    const TWICE = lines(
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: cert-manager',
      '  namespace: flux-system',
    );
    const file = { file: 'clusters/production/infrastructure.yaml' };
    const doc = fluxKs('cert-manager');
    const cases: [string, string, WiringEditReason, RegExp][] = [
      ['not YAML', 'kind: [\n', 'not-yaml', /not valid YAML/],
      [
        'twice',
        `${TWICE}---\n${TWICE}`,
        'duplicate',
        /holds 2 documents Kustomization flux-system\/cert-manager \(lines 1, 7\)/,
      ],
      [
        'an alias name',
        lines('x: &n cert-manager', 'kind: Kustomization', 'metadata:', '  name: *n'),
        'alias',
        /is an alias/,
      ],
      ['a document end marker', lines('kind: A', '...'), 'unsupported', /only bare --- separators/],
      ['content on the --- line', lines('--- !tag', 'kind: A'), 'unsupported', /only bare --- separators/],
      ['a directive', lines('%YAML 1.2', '---', 'kind: A'), 'unsupported', /only bare --- separators/],
    ];
    for (const [name, text, reason, message] of cases) {
      for (const edit of [() => upsertDocument(text, doc, undefined, file), () => removeDocument(text, KEY, file)]) {
        const r = refusal(edit, name);
        expect(r.reason, name).toBe(reason);
        expect(r.message, name).toMatch(/^clusters\/production\/infrastructure\.yaml: /);
        expect(r.message, name).toMatch(message);
      }
    }
    expect(refusal(() => upsertDocument(LANE, { kind: 'Kustomization' })).reason).toBe('bad-document');
    expect(refusal(() => upsertDocument(LANE, doc, { ...KEY, name: 'other' })).message).toMatch(
      /not the Kustomization other/,
    );
  });
});
