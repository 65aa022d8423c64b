// What counts as a credential, for the input checks (flags, --answers, platform.yaml) and for `platform-kit check`.
// One set of rules so the generator never writes what check would then report.
//
// Decisions (see README, "Credentials"):
// - A setting NAME looks like a credential when one of its `_`-separated words is a credential word (PASSWORD,
//   SECRET, TOKEN, ...; API_KEY, PRIVATE_KEY and ACCESS_KEY as word pairs), unless its LAST word says it names or
//   locates something (NAME, PREFIX, STORE, ENDPOINT, URL, ID, ...): SECRET_STORE_ENDPOINT, SECRET_KEY_PREFIX,
//   EXTERNAL_SECRET_STORE and AWS_ACCESS_KEY_ID are references; DB_PASSWORD, GITHUB_TOKEN, S3_SECRET_KEY are not.
// - A VALUE looks like a credential when it holds a well-known token format (GitHub, GitLab, Slack, AWS key id,
//   a PEM private key, a JWT) or a URL with a password in its user info.
// - Placeholders are not credentials: ${VAR}, {{ template }}, <token>, $(cmd), op://... and ref+... secret
//   references, and documentation words (changeme, example, xxx, ***, redacted, ...).

/** Words that make a setting name a credential. */
const CREDENTIAL_WORDS = new Set([
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'SECRET',
  'SECRETS',
  'TOKEN',
  'TOKENS',
  'APIKEY',
  'CREDENTIAL',
  'CREDENTIALS',
  'PAT',
]);
/** Word pairs that make a setting name a credential (KEY alone is too common: TSIG_KEYNAME, SSH_KEY_TYPE...). */
const CREDENTIAL_PAIRS = [
  ['API', 'KEY'],
  ['PRIVATE', 'KEY'],
  ['ACCESS', 'KEY'],
  ['AUTH', 'KEY'],
  ['CLIENT', 'KEY'],
];
/** A last word that makes the name a reference to a credential (where it is, what it is called), not the credential. */
const REFERENCE_WORDS = new Set([
  'NAME',
  'NAMES',
  'KEYNAME',
  'REF',
  'STORE',
  'ENDPOINT',
  'URL',
  'URI',
  'HOST',
  'PORT',
  'PREFIX',
  'SUFFIX',
  'PATH',
  'FILE',
  'ID',
  'NAMESPACE',
  'KIND',
  'TYPE',
  'PROVIDER',
  'VAULT',
  'REGION',
  'ENABLED',
  'ITEM',
  'PROPERTY',
  'FIELD',
]);

/** Whether a setting name looks like it holds a credential (see the rules above). */
export function credentialName(name: string): boolean {
  const words = name
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  if (words.length === 0 || REFERENCE_WORDS.has(words[words.length - 1])) return false;
  if (words.some((w) => CREDENTIAL_WORDS.has(w))) return true;
  return words.some((w, i) => CREDENTIAL_PAIRS.some(([a, b]) => w === a && words[i + 1] === b));
}

/** Documentation words standing for a credential. */
const EXAMPLE_WORD =
  /^(change[-_ ]?me|example|placeholder|redacted|dummy|fake|none|null|secret|password|passwd|pass|token|user(name)?|your[-_]?[a-z_-]*|x+|\*+|\.+|-+|_+)$/i;

/** Whether a value stands for a credential instead of being one (see the rules above). */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v === '') return true;
  if (/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(v)) return true; // an application's own {VAR} (Frigate, a Python format string)
  if (
    /\$\{[^}]*\}|\{\{.*\}\}|<[^<>]+>|\$\([^)]*\)|^\$[A-Za-z_][A-Za-z0-9_]*$|%[sv]|^(op|ref\+[a-z0-9]+|vault|awssm|gcpsm|azkv|bws|sops):\/?\/?/i.test(
      v,
    )
  )
    return true;
  if (/example/i.test(v)) return true;
  return EXAMPLE_WORD.test(v);
}

/**
 * Values that say what they are and so cannot be a credential: a boolean, a number, a DNS name (a host, a domain).
 * `SECRET_DOMAIN: example.io` (the home-ops name for the public domain) or a Cilium `enable-…-secrets-sync: "true"`
 * flag is configuration, whatever its key says.
 */
export function plainValue(value: string): boolean {
  const v = value.trim();
  if (/^(true|false|yes|no|on|off|enabled|disabled)$/i.test(v)) return true;
  if (/^-?\d{1,10}(\.\d+)?$/.test(v)) return true;
  return /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/.test(v);
}

/** A Kubernetes object name (a DNS-1123 label): what a `…_SECRET` setting holds when it names a Secret. */
export const isObjectName = (value: string): boolean => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value.trim());

/** Key words of a Secret's data that locate a service rather than authenticate to it (their values are not secret). */
const LOCATION_WORDS = new Set(['HOST', 'HOSTNAME', 'PORT', 'DATABASE', 'DBNAME', 'NAMESPACE', 'REGION', 'SSLMODE']);

/** A Secret data key that locates a service (`hostname`, `port`, `DB_HOST`), not a credential. */
export function locationKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  return words.length > 0 && LOCATION_WORDS.has(words[words.length - 1]);
}

/** Well-known token formats: name, pattern. Anchored on word boundaries so a longer identifier does not match. */
export const TOKEN_FORMATS: { name: string; re: RegExp }[] = [
  { name: 'a GitHub token', re: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}(?![A-Za-z0-9_])/ },
  {
    name: 'a GitHub fine-grained token',
    re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])/,
  },
  { name: 'a GitLab token', re: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/ },
  { name: 'a Slack token', re: /(?<![A-Za-z0-9_-])xox[bpars]-[A-Za-z0-9-]{10,}/ },
  { name: 'an AWS access key id', re: /(?<![A-Za-z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/ },
  { name: 'a private key', re: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/ },
  {
    name: 'a JSON Web Token',
    re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/,
  },
];

/** Scheme and user info of a URL (`scheme://userinfo@host...`), or undefined when it has none. */
export function urlUserInfo(url: string): { scheme: string; user: string; password?: string } | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\s]*)@/.exec(url.trim());
  if (!m) return undefined;
  const info = m[2];
  const i = info.indexOf(':');
  return i < 0
    ? { scheme: m[1].toLowerCase(), user: info }
    : { scheme: m[1].toLowerCase(), user: info.slice(0, i), password: info.slice(i + 1) };
}

/**
 * Why a Git (or Flux source) URL carries a credential, or undefined. Over http(s) and oci any user info is one (a
 * token is often the user name: https://TOKEN@host); over ssh the user (git@) is an account name, only a password is.
 */
export function sourceUrlCredential(url: string): string | undefined {
  const u = urlUserInfo(url);
  if (!u) return undefined;
  // A source URL is used as written, so only a substitution reference stands in for a value here (`changeme` is one).
  const reference = (v: string) => /^(\$\{[^}]+\}|\{\{[^}]*\}\})$/.test(v);
  if (u.password !== undefined && u.password !== '' && !reference(u.password))
    return 'a password in its user info, user:password@';
  if (['http', 'https', 'oci'].includes(u.scheme) && u.password === undefined && !reference(u.user))
    return 'user info, user@ or token@, in an https URL';
  return undefined;
}

/** Why a value looks like a credential (a token format, or a URL with a password), or undefined. */
export function credentialValue(value: string): string | undefined {
  for (const t of TOKEN_FORMATS) {
    const m = t.re.exec(value);
    if (m && !/example/i.test(m[0])) return `${t.name}`;
  }
  for (const m of value.matchAll(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\s"']*@/g)) {
    const u = urlUserInfo(m[0]);
    if (u?.password !== undefined && !isPlaceholder(u.password)) return 'a URL with a password in its user info';
  }
  return undefined;
}

/** The item of a cluster's secret backend that ExternalSecret flux-system/cluster-secrets extracts. */
export function clusterSecretsItem(keyPrefix: string): string {
  return `${keyPrefix}cluster-secrets`;
}

/** The hint for a setting that is a credential. */
export function settingHint(key: string, item: string): string {
  return (
    `settings are written in plain text to platform.yaml and the cluster-settings ConfigMap; put ${key} into the secret store instead, ` +
    `as a property of item ${item} (ExternalSecret flux-system/cluster-secrets extracts it into Secret ` +
    `cluster-secrets, which every Flux Kustomization substitutes from, so \${${key}} keeps working)`
  );
}

/** The hint for a Git URL with a credential. */
export function gitUrlHint(item: string): string {
  return (
    'write the URL without user info (https://host/path, ssh://git@host/path or git@host:path); Flux clones with Secret flux-system/flux-system, ' +
    `created at bootstrap from GIT_USERNAME/GIT_PASSWORD or an SSH deploy key (bootstrap/README.md); keep the ` +
    `token itself in the secret store (e.g. a property of item ${item})`
  );
}
