import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createClusters } from '../../src/commands/create-cluster';
import { BUILTIN_TEMPLATES } from '../../src/core/render';
import {
  documentsOfKind,
  mayBeOfKind,
  prebuiltDocumentsOf,
  SubstitutedDocuments,
  splitDocuments,
} from '../../src/generate/documents';
import { substitute } from '../../src/model/variables';
import { tmpDir } from '../helpers/fs';

/** The plan of the reference platform (infra + apps, every story approved), made once for the file's tests. */
let reference: ReturnType<typeof createClusters>['plan'] | undefined;
const referencePlan = () => {
  reference ??= createClusters({
    dir: path.join(tmpDir('cpc-documents-'), 'platform'),
    clusters: [{ name: 'infra' }, { name: 'apps' }],
    stories: { ids: 'all', approve: true },
    dryRun: true,
  }).plan;
  return reference;
};

/** What the design docs read before: every document of the text parsed, those of the kind kept. */
const ofKindWhole = (text: string, kind: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((o) => o?.kind === kind);
const ofKind = (text: string, kind: string) => documentsOfKind(text, kind).filter((o: any) => o?.kind === kind);

const TRICKY: Record<string, string> = {
  'one document, no marker': 'kind: HTTPRoute\nmetadata: { name: a }\n',
  'a leading comment and markers': '# head\n---\nkind: Service\n---\nkind: HTTPRoute\nmetadata:\n  name: b\n',
  'content on the marker line': '--- { kind: HTTPRoute, metadata: { name: c } }\n--- \nkind: Service\n',
  'markers with CRLF': '---\r\nkind: HTTPRoute\r\nmetadata:\r\n  name: d\r\n---\r\nkind: Service\r\n',
  // an indented "---" and one glued to text are content, not markers
  'dashes inside a block scalar':
    'kind: ConfigMap\ndata:\n  x: |\n    ---\n    kind: HTTPRoute\n---\nkind: HTTPRoute\nmetadata:\n  name: e\n',
  'dashes glued to text': 'kind: HTTPRoute\nmetadata:\n  name: f\nnote: |\n  ---x\n---x: 1\n',
  'document end markers': 'kind: HTTPRoute\nmetadata:\n  name: g\n...\n---\nkind: Service\n...\n',
  'a directive': '%YAML 1.2\n---\nkind: HTTPRoute\nmetadata:\n  name: h\n',
  'the word only in a comment': '# an HTTPRoute lives elsewhere\nkind: Service\n---\nkind: Service\n',
  'an empty document': '---\n---\nkind: HTTPRoute\nmetadata:\n  name: i\n',
  // roots the line-based filter cannot read: parsed, never skipped
  'an indented root mapping': '---\n  kind: HTTPRoute\n  metadata:\n    name: j\n',
  'a flow root over lines': '{ spec: { x: 1 },\nkind: HTTPRoute, metadata: { name: k } }\n',
  'a quoted kind key and value': '"kind": "HTTPRoute"\nmetadata:\n  name: l\n',
  'a comment after the kind': 'kind: HTTPRoute # the route\nmetadata:\n  name: m\n',
  'the kind on the next line': 'kind:\n  HTTPRoute\nmetadata:\n  name: n\n',
  'a complex key': '? kind\n: HTTPRoute\nmetadata:\n  name: o\n',
  'a tag on the kind key': '!!str kind: HTTPRoute\nmetadata:\n  name: p\n',
  'lists under keys and another kind':
    'kind: Service\nports:\n- 80\nnote: an HTTPRoute points here\n---\nkind: HTTPRoute\nmetadata:\n  name: q\n',
};

describe('documentsOfKind (generate/documents.ts)', () => {
  it.each(Object.entries(TRICKY))('%s: the same documents of the kind as a parse of the whole text', (_name, text) => {
    expect(ofKind(text, 'HTTPRoute')).toEqual(ofKindWhole(text, 'HTTPRoute'));
  });

  it('finds the documents in the hand-made cases (the comparison above is not between two empty lists)', () => {
    const found = Object.values(TRICKY).flatMap((t) => ofKind(t, 'HTTPRoute').map((o: any) => o.metadata.name));
    expect(found.sort()).toEqual('abcdefghijklmnopq'.split(''));
  });

  it('skips a block mapping at the first column whose kind is another, or that has no kind key', () => {
    expect(mayBeOfKind('kind: Service\nmetadata:\n  name: HTTPRoute\n', 'HTTPRoute')).toBe(false);
    expect(mayBeOfKind('---\n# HTTPRoute\nkind: Service\nports:\n- 80\n', 'HTTPRoute')).toBe(false);
    expect(mayBeOfKind('values:\n  route: HTTPRoute\n', 'HTTPRoute')).toBe(false);
    expect(mayBeOfKind('kind: HTTPRoute\n', 'HTTPRoute')).toBe(true);
    expect(mayBeOfKind('kind: Service\nkind: HTTPRoute\n', 'HTTPRoute')).toBe(true);
    expect(mayBeOfKind('- kind: HTTPRoute\n', 'HTTPRoute')).toBe(true);
    expect(mayBeOfKind('kind: Service\n', 'HTTPRoute')).toBe(false);
  });

  it('parses each distinct piece once when given a shared map', () => {
    const parsed = new Map<string, unknown[]>();
    const text = 'kind: HTTPRoute\nmetadata:\n  name: a\n';
    const first = documentsOfKind(text, 'HTTPRoute', parsed);
    expect(documentsOfKind(text, 'HTTPRoute', parsed)[0]).toBe(first[0]);
    expect(parsed.size).toBe(1);
  });

  it('parses nothing when the word is absent', () => {
    expect(documentsOfKind('kind: Service\n---\nkind: Deployment\n', 'HTTPRoute')).toEqual([]);
  });

  it('cuts the text only before markers, and the pieces join back to it', () => {
    for (const text of Object.values(TRICKY)) expect(splitDocuments(text).join('')).toBe(text);
    expect(splitDocuments('a: 1\n---\nb: 2\n  ---\n---x\n--- c\n')).toEqual([
      'a: 1\n',
      '---\nb: 2\n  ---\n---x\n',
      '--- c\n',
    ]);
  });

  it('on every YAML file of the reference platform, the same ExternalSecrets and HTTPRoutes as a parse of the whole file', () => {
    const plan = referencePlan();
    const counts = { ExternalSecret: 0, HTTPRoute: 0 };
    for (const c of plan.changes) {
      if (!c.after || !/\.ya?ml$/.test(c.path)) continue;
      for (const kind of ['ExternalSecret', 'HTTPRoute'] as const) {
        // a file without the word holds no document of the kind either way (the first check of documentsOfKind)
        if (!c.after.includes(kind)) continue;
        const want = ofKindWhole(c.after, kind);
        expect(ofKind(c.after, kind), `${c.path} (${kind})`).toEqual(want);
        counts[kind] += want.length;
      }
    }
    expect(counts.ExternalSecret).toBeGreaterThan(20);
    expect(counts.HTTPRoute).toBeGreaterThan(5);
  });
});

/** What the design docs read before SubstitutedDocuments: the text substituted as Flux does, then parsed. */
const substitutedWhole = (text: string, kind: string, settings: Record<string, string>) =>
  ofKindWhole(substitute(text, settings, 'test'), kind);
const viaReader = (docs: SubstitutedDocuments, text: string, kind: string, settings: Record<string, string>) =>
  docs.ofKind(text, kind, settings, (t) => substitute(t, settings, 'test')).filter((o: any) => o?.kind === kind);

describe('SubstitutedDocuments (generate/documents.ts)', () => {
  const route = (host: string) => `kind: HTTPRoute\nmetadata:\n  name: r\nspec:\n  hostnames:\n  - ${host}\n`;

  it('substitutes in the parse of the text as rendered when that is what a parse of the substituted text gives', () => {
    const docs = new SubstitutedDocuments({});
    const text = `${route('"sso.${ZONE}"')}---\n${route('${PREFIX}x.${ZONE}')}`;
    for (const settings of [
      { ZONE: 'a.example', PREFIX: '' },
      { ZONE: 'b.example', PREFIX: 'p-' },
    ]) {
      const got = viaReader(docs, text, 'HTTPRoute', settings);
      expect(got).toEqual(substitutedWhole(text, 'HTTPRoute', settings));
      expect(got.map((o: any) => o.spec.hostnames[0])).toEqual([
        `sso.${settings.ZONE}`,
        `${settings.PREFIX}x.${settings.ZONE}`,
      ]);
    }
  });

  // Each of these changes what the YAML says when substituted as text: the reader must parse the substituted text.
  const SHAPED: [string, string, Record<string, string>][] = [
    ['a number where the text had a string', route('${N}'), { N: '8080' }],
    ['a boolean', route('${B}'), { B: 'true' }],
    ['an empty value (null)', route('${E}'), { E: '' }],
    ['a value with ": "', route('${V}'), { V: 'a: b' }],
    ['a value with " #"', route('x${V}'), { V: ' # gone' }],
    ['a value with a line break', route('${V}'), { V: 'a\n  - b' }],
    ['a value with a quote in a quoted scalar', route('"${V}"'), { V: 'a"b' }],
    ['a value starting with a dash', route('${V}'), { V: '- a' }],
    ['a variable in a key', 'kind: HTTPRoute\nmetadata:\n  name: r\n  labels:\n    ${K}: v\n', { K: 'x: y' }],
    ['a variable kind', 'kind: ${K}\nmetadata:\n  name: r\n', { K: 'HTTPRoute' }],
    ['the kind only in a value', 'kind: Service\n---\nkind: ${K}\nmetadata:\n  name: r\n', { K: 'HTTPRoute' }],
    ['a fallback that is a number', route('${MISSING:=10}'), {}],
    ['an escaped reference', route('"$${KEEP}-${V}"'), { V: 'v' }],
    ['a default running over a document marker', `${route('${V:=a')}---\nb}\n`, { V: 'v' }],
    ['a malformed reference', route('"${1X}-${V}"'), { V: 'v' }],
  ];
  it.each(SHAPED)('%s: the documents a parse of the substituted text gives', (_name, text, settings) => {
    expect(viaReader(new SubstitutedDocuments({}), text, 'HTTPRoute', settings)).toEqual(
      substitutedWhole(text, 'HTTPRoute', settings),
    );
  });

  it("leaves a text with a variable that has no value to the caller's substitution (which may keep the text)", () => {
    const text = route('${MISSING}');
    const keep = (t: string) => t;
    expect(new SubstitutedDocuments({}).ofKind(text, 'HTTPRoute', {}, keep)).toEqual(ofKindWhole(text, 'HTTPRoute'));
    const strict = (t: string) => substitute(t, {}, 'f.yaml');
    expect(() => new SubstitutedDocuments({}).ofKind(text, 'HTTPRoute', {}, strict)).toThrow(/MISSING/);
  });

  it('answers from the prebuilt parses only for a piece of exactly that text', () => {
    const text = route('a.example');
    const planted = [{ kind: 'HTTPRoute', planted: true }];
    expect(viaReader(new SubstitutedDocuments({ [text]: planted }), text, 'HTTPRoute', {})).toEqual(planted);
    expect(viaReader(new SubstitutedDocuments({ [text]: planted }), route('b.example'), 'HTTPRoute', {})).toEqual(
      ofKindWhole(route('b.example'), 'HTTPRoute'),
    );
  });

  it('prebuilds a parse of every piece of the copied templates that can hold the kinds, equal to a parse at run time', () => {
    const pieces = Object.entries(prebuiltDocumentsOf(BUILTIN_TEMPLATES));
    const counts = { ExternalSecret: 0, HTTPRoute: 0 };
    for (const [piece, docs] of pieces) {
      expect(docs).toEqual(parseAllDocuments(piece).map((d) => d.toJS()));
      for (const d of docs as any[]) if (d?.kind in counts) counts[d.kind as keyof typeof counts]++;
    }
    expect(counts.ExternalSecret).toBeGreaterThan(20);
    expect(counts.HTTPRoute).toBeGreaterThan(5);
  });

  // all(): a file read whole (Helm values), no kind to filter on; the same parse-once shortcut and the same refusals.
  const values = 'routingMode: ${MODE}\ntunnelProtocol: geneve\nk8sServiceHost: ${HOST}\n';
  const parseSubstituted = (text: string, settings: Record<string, string>) =>
    parseAllDocuments(substitute(text, settings, 'test')).map((d) => d.toJS());
  it.each([
    ['inert values, substituted in the parse', values, { MODE: 'native', HOST: 'api.example' }],
    ['a number where the text had a string', values, { MODE: 'native', HOST: '10' }],
    ['a value with ": "', values, { MODE: 'a: b', HOST: 'h' }],
    ['an empty value (null)', values, { MODE: '', HOST: 'h' }],
    ['a variable in a key', '${K}: x\n', { K: 'a' }],
    ['two documents', `${values}---\nb: \${MODE}\n`, { MODE: 'tunnel', HOST: 'h' }],
  ] as [string, string, Record<string, string>][])(
    'all(), %s: what a parse of the substituted text gives',
    (_n, text, settings) => {
      const docs = new SubstitutedDocuments({});
      expect(docs.all(text, settings, (t) => substitute(t, settings, 'test'))).toEqual(
        parseSubstituted(text, settings),
      );
    },
  );

  it('all() parses a file once for every cluster whose values leave the shape alone', () => {
    const planted = [{ routingMode: '${MODE}', planted: true }];
    const docs = new SubstitutedDocuments({ [values]: planted });
    for (const MODE of ['native', 'tunnel']) {
      const settings = { MODE, HOST: 'h' };
      expect(docs.all(values, settings, (t) => substitute(t, settings, 'test'))).toEqual([
        { routingMode: MODE, planted: true },
      ]);
    }
  });

  it('all() with keys: only those top-level keys, from the one parse even when a variable makes a number elsewhere', () => {
    const text = 'cluster:\n  id: ${ID}\nroutingMode: ${MODE}\ntunnelProtocol: geneve\n';
    const planted = [{ cluster: { id: '${ID}' }, routingMode: '${MODE}', tunnelProtocol: 'geneve', planted: true }];
    const docs = new SubstitutedDocuments({ [text]: planted });
    for (const settings of [
      { ID: '1', MODE: 'native' },
      { ID: '2', MODE: 'tunnel' },
    ]) {
      const read = (t: string) => substitute(t, settings, 'test');
      const keys = ['routingMode', 'tunnelProtocol'];
      expect(docs.all(text, settings, read, keys)).toEqual([{ routingMode: settings.MODE, tunnelProtocol: 'geneve' }]);
      // what a parse of the substituted text holds at those keys
      const parsed = parseSubstituted(text, settings)[0] as Record<string, unknown>;
      expect(new SubstitutedDocuments({}).all(text, settings, read, keys)).toEqual([
        { routingMode: parsed.routingMode, tunnelProtocol: parsed.tunnelProtocol },
      ]);
    }
  });

  it.each([
    ['a number at a key asked for', 'routingMode: ${V}\nother: x\n', { V: '10' }],
    [
      'a variable in a key elsewhere (here it makes the key asked for)',
      'routingMode: native\n${K}: x\n',
      { K: 'routingMode' },
    ],
    ['a value that is not inert elsewhere', 'routingMode: native\nother: ${V}\n', { V: 'a: b' }],
  ] as [string, string, Record<string, string>][])(
    'all() with keys, %s: what a parse of the substituted text gives',
    (_n, text, settings) => {
      const read = (t: string) => substitute(t, settings, 'test');
      const want = parseSubstituted(text, settings).map((d: any) => ({ routingMode: d.routingMode }));
      expect(new SubstitutedDocuments({}).all(text, settings, read, ['routingMode'])).toEqual(want);
    },
  );

  it("prebuilds every piece of the copied templates' Helm values (the networking doc reads Cilium's whole)", () => {
    const pieces = prebuiltDocumentsOf(BUILTIN_TEMPLATES);
    const cilium = fs.readFileSync(
      path.join(BUILTIN_TEMPLATES, 'components/networking/cilium/helm-values.yaml'),
      'utf8',
    );
    const text = cilium.endsWith('\n') ? cilium : `${cilium}\n`;
    expect(pieces[text]).toEqual(parseAllDocuments(text).map((d) => d.toJS()));
    expect((pieces[text] as any[])[0].routingMode).toBeDefined();
  });

  it('on the reference platform, for each cluster, the documents a parse of the substituted file gives', () => {
    const plan = referencePlan();
    const settingsOf = (c: string) => {
      const file = plan.changes.find((x) => x.path === `kubernetes/clusters/${c}/cluster-settings.yaml`)!;
      return parseAllDocuments(file.after!)[0].toJS().data as Record<string, string>;
    };
    // one reader for both clusters, with the build's prebuilt parses, as the design docs use it
    const docs = new SubstitutedDocuments(prebuiltDocumentsOf(BUILTIN_TEMPLATES));
    let compared = 0;
    for (const cluster of ['infra', 'apps']) {
      const settings = settingsOf(cluster);
      for (const c of plan.changes) {
        if (!c.after || !/\.ya?ml$/.test(c.path) || !c.path.startsWith('kubernetes/')) continue;
        for (const kind of ['ExternalSecret', 'HTTPRoute'] as const) {
          if (!c.after.includes(kind)) continue;
          let want: unknown[];
          try {
            want = substitutedWhole(c.after, kind, settings);
          } catch {
            continue; // a variable this cluster has no value for: the file is not applied there
          }
          expect(viaReader(docs, c.after, kind, settings), `${c.path} on ${cluster} (${kind})`).toEqual(want);
          compared += want.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
  });
});
