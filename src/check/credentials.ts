// Plain-text credentials in the repository: what Git holds, whether or not a cluster reaches it. Every YAML file of the
// repository (and every file a build read) is looked at:
//   SECRET_NOT_ENCRYPTED  a Secret with data/stringData (or a secretGenerator literal/file) that SOPS did not encrypt
//   URL_CREDENTIALS       user info in a Flux source URL (GitRepository, HelmRepository, OCIRepository, Bucket), or a
//                         URL with a password in any value (HelmRelease values, ConfigMaps, ...)
//   TOKEN_IN_GIT          a well-known token format anywhere in the text, comments included (Git keeps them too)
//   SETTING_CREDENTIAL    a ConfigMap setting whose name says it holds a credential (platform.yaml's settings: the
//                         command layer's rule, src/commands/check.ts)
// Not credentials (the negative control, test/fixtures/check-credentials/clean): SOPS-encrypted files (a `sops:`
// block, or ENC[...] values), ExternalSecrets and other references, placeholders (${VAR}, {{ .x }}, <token>,
// op://..., changeme, example values; see src/core/credentials.ts), ssh://git@ and git@host: URLs.
import * as path from 'node:path';
import {
  credentialName,
  isObjectName,
  isPlaceholder,
  locationKey,
  plainValue,
  sourceUrlCredential,
  TOKEN_FORMATS,
  urlUserInfo,
} from '../core/credentials';
import type { RepoReader } from './discover';
import type { Obj } from './objects';
import type { Finding } from './types';

const HINT_SECRET =
  'encrypt it with SOPS, or replace it with an ExternalSecret reading the secret store (e.g. item ' +
  'kubernetes/<cluster>/cluster-secrets); then rotate the credential: Git history keeps it';
const HINT_URL =
  'drop the user info from the URL and give the source a secretRef (a SOPS-encrypted Secret or an ExternalSecret); then rotate the credential';
const HINT_VALUE =
  'take the password out of the value: read it from a Secret the secret store fills (an ExternalSecret; ' +
  'HelmRelease valuesFrom), or SOPS-encrypt the file; then rotate the credential';
const HINT_TOKEN =
  'move it into the secret store (ExternalSecret) or encrypt the file with SOPS; then rotate the credential: Git history keeps it';

const SOURCE_KINDS = new Set(['GitRepository', 'HelmRepository', 'OCIRepository', 'Bucket']);
const isSopsEncrypted = (o: Obj) => o.raw.sops !== undefined;
const encrypted = (v: unknown) => typeof v === 'string' && /^ENC\[/.test(v.trim());

function decode(v: unknown): string {
  if (typeof v !== 'string') return String(v ?? '');
  const b = Buffer.from(v.replace(/\s+/g, ''), 'base64');
  return b.toString('utf8');
}

/** Every string in a value, with its key path. */
function* strings(v: unknown, at: (string | number)[] = []): Generator<[string, (string | number)[]]> {
  if (typeof v === 'string') yield [v, at];
  else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) yield* strings(v[i], [...at, i]);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) yield* strings(x, [...at, k]);
}

function objectFindings(o: Obj, out: Finding[]): void {
  if (isSopsEncrypted(o) || o.raw.generated) return;
  const what = `${o.kind} ${o.namespace ? o.namespace + '/' : ''}${o.name}`;
  if (o.kind === 'Secret' && (o.apiVersion === 'v1' || o.apiVersion === '')) {
    for (const field of ['data', 'stringData'] as const) {
      const d = o.raw[field];
      if (!d || typeof d !== 'object') continue;
      for (const [key, v] of Object.entries(d)) {
        if (encrypted(v)) continue;
        const text = field === 'data' ? decode(v) : String(v ?? '');
        if (isPlaceholder(text)) continue;
        if (locationKey(key) && plainValue(text)) continue; // hostname: postgres-rw.database.svc, port: "5432"
        out.push({
          code: 'SECRET_NOT_ENCRYPTED',
          severity: 'error',
          file: o.file,
          line: o.lineOf([field, key]),
          message: `${what}: ${field}.${key} is a plain-text value in Git (the file is not SOPS-encrypted)`,
          hint: HINT_SECRET,
        });
      }
    }
    return; // its strings are reported above, not again as URLs
  }
  if (SOURCE_KINDS.has(o.kind)) {
    for (const field of ['url', 'endpoint']) {
      const u = o.raw.spec?.[field];
      const why = typeof u === 'string' ? sourceUrlCredential(u) : undefined;
      if (why)
        out.push({
          code: 'URL_CREDENTIALS',
          severity: 'error',
          file: o.file,
          line: o.lineOf(['spec', field]),
          message: `${what}: spec.${field} carries a credential (${why})`,
          hint: HINT_URL,
        });
    }
  }
  for (const [s, at] of strings(o.raw)) {
    if (SOURCE_KINDS.has(o.kind) && at.length === 2 && at[0] === 'spec') continue; // reported above
    for (const m of s.matchAll(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\s"']*@/g)) {
      const u = urlUserInfo(m[0]);
      if (u?.password === undefined || isPlaceholder(u.password)) continue;
      out.push({
        code: 'URL_CREDENTIALS',
        severity: 'error',
        file: o.file,
        line: o.lineOf(at),
        message: `${what}: ${at.join('.')} holds a URL with a password in its user info`,
        hint: HINT_VALUE,
      });
      break;
    }
  }
  if (o.kind === 'ConfigMap' && o.raw.data && typeof o.raw.data === 'object') {
    for (const [key, v] of Object.entries(o.raw.data)) {
      const text = String(v ?? '');
      if (!credentialName(key) || isPlaceholder(text) || plainValue(text)) continue;
      if (/_?SECRETS?$/i.test(key) && isObjectName(text)) {
        // ONEPASSWORD_CONNECT_TOKEN_SECRET: onepassword-connect-token names the Secret that holds the token.
        out.push({
          code: 'SETTING_CREDENTIAL',
          severity: 'warning',
          file: o.file,
          line: o.lineOf(['data', key]),
          message: `${what}: ${key} reads like a credential, but its value ${text} looks like the name of a Secret`,
          hint: `if it names a Secret, call it ${key}_NAME; if it is a credential, move it into a Secret`,
        });
        continue;
      }
      out.push({
        code: 'SETTING_CREDENTIAL',
        severity: 'error',
        file: o.file,
        line: o.lineOf(['data', key]),
        message: `${what}: ${key} looks like a credential (its name), in a ConfigMap in Git`,
        hint: HINT_SECRET,
      });
    }
  }
}

/** secretGenerator literals and files of a kustomization file. */
function generatorFindings(reader: RepoReader, file: string, out: Finding[]): void {
  if (!/(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(file)) return;
  const k = reader.objectsOf(file).find((o) => o.kind === 'Kustomization') ?? reader.objectsOf(file)[0];
  const gens = k?.raw.secretGenerator;
  if (!Array.isArray(gens)) return;
  gens.forEach((g: any, i: number) => {
    const name = String(g?.name ?? '');
    (Array.isArray(g?.literals) ? g.literals : []).forEach((lit: unknown, j: number) => {
      const s = String(lit ?? '');
      const eq = s.indexOf('=');
      if (eq < 0 || isPlaceholder(s.slice(eq + 1))) return;
      out.push({
        code: 'SECRET_NOT_ENCRYPTED',
        severity: 'error',
        file,
        line: k.lineOf(['secretGenerator', i, 'literals', j]),
        message: `secretGenerator ${name}: literal ${s.slice(0, eq)} is a plain-text value in Git`,
        hint: HINT_SECRET,
      });
    });
    for (const field of ['files', 'envs']) {
      (Array.isArray(g?.[field]) ? g[field] : []).forEach((entry: unknown, j: number) => {
        const src = String(entry ?? '').replace(/^[^=]*=/, '');
        const rel = path.posix.normalize(path.posix.join(path.posix.dirname(file), src));
        if (rel.startsWith('..') || !reader.exists(rel)) return;
        let text: string;
        try {
          text = reader.text(rel);
        } catch {
          return;
        }
        if (/ENC\[|(^|\n)sops:|"sops"\s*:|(^|\n)sops_[a-z_]+=/.test(text) || isPlaceholder(text)) return;
        out.push({
          code: 'SECRET_NOT_ENCRYPTED',
          severity: 'error',
          file,
          line: k.lineOf(['secretGenerator', i, field, j]),
          message: `secretGenerator ${name}: ${field} ${src} is a plain-text file in Git (not SOPS-encrypted)`,
          hint: HINT_SECRET,
        });
      });
    }
  });
}

/** Token formats anywhere in a file's text (values, keys and comments). */
function textFindings(reader: RepoReader, file: string, out: Finding[]): void {
  let text: string;
  try {
    text = reader.text(file);
  } catch {
    return;
  }
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const t of TOKEN_FORMATS) {
      const m = t.re.exec(line);
      if (!m || /example/i.test(m[0])) continue;
      // A PEM header only counts with key material under it (a header alone is documentation).
      if (
        t.name === 'a private key' &&
        !/^\s*[A-Za-z0-9+/=]{40,}\s*$/.test(lines[i + 1] ?? '') &&
        !/[A-Za-z0-9+/=]{40,}/.test(line.slice(m.index + m[0].length))
      )
        continue;
      out.push({
        code: 'TOKEN_IN_GIT',
        severity: 'error',
        file,
        line: i + 1,
        message: `${t.name} in plain text`,
        hint: HINT_TOKEN,
      });
      break;
    }
  });
}

export function credentialFindings(
  reader: RepoReader,
  buildFiles: Iterable<string> = [],
  owned: Set<string> = new Set(),
): Finding[] {
  const out: Finding[] = [];
  const files = new Set([
    ...reader.allYamlFiles(),
    ...[...buildFiles].filter((f) => /(\.ya?ml|(^|\/)Kustomization)$/.test(f)),
  ]);
  for (const file of [...files].sort()) {
    if (!reader.exists(file)) continue;
    const objects = reader.objectsOf(file);
    // A SOPS file is encrypted as a whole: its text holds only ENC[...] values and the sops metadata.
    if (objects.some(isSopsEncrypted)) continue;
    textFindings(reader, file, out);
    if (owned.has(file)) continue; // a rule of the caller reads it (CheckRule.owns)
    for (const o of objects) objectFindings(o, out);
    generatorFindings(reader, file, out);
  }
  return out;
}
