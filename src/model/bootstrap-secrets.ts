import type { ClusterModel } from './schema';

/**
 * Secrets a person creates by hand at bootstrap, before anything can be read from the secret backend.
 * One source for the ClusterSecretStore variants (templates/components/security/cluster-secret-store/variants/*),
 * the FluxInstance pullSecret, bootstrap/README.md, bootstrap/bootstrap.sh and docs/design/secrets.md, so the
 * Secret a store or Flux reads and the Secret a person creates can never disagree.
 */

export interface BootstrapKey {
  /** name the template uses for this key (stable, never rendered) */
  role: string;
  /** key inside the Secret */
  key: string;
  /** what to put in it */
  what: string;
  /** true: the value is a file (`--from-file`), else a literal (`--from-literal`) */
  file: boolean;
  /** environment variable bootstrap.sh reads the value (or, for files, the path) from */
  env: string;
}

export interface BootstrapSecret {
  namespace: string;
  name: string;
  /** why it exists, for documents */
  purpose: string;
  keys: BootstrapKey[];
}

/** The Secret every ClusterSecretStore variant authenticates with. */
export const STORE_CREDENTIAL = { namespace: 'external-secrets', name: 'secret-store-credentials' } as const;

/** The Secret the FluxInstance's sync source clones with (flux bootstrap's name for it). */
export const GIT_CREDENTIAL = { namespace: 'flux-system', name: 'flux-system' } as const;

const envName = (prefix: string, key: string, file: boolean) =>
  `${prefix}_${key.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}${file ? '_FILE' : ''}`;

function keys(prefix: string, list: [role: string, key: string, what: string, file?: boolean][]): BootstrapKey[] {
  return list.map(([role, key, what, file = false]) => ({ role, key, what, file, env: envName(prefix, key, file) }));
}

const STORE_KEYS: Record<string, BootstrapKey[]> = {
  onepassword: keys('SECRET_STORE', [
    ['token', 'connect-token', '1Password Connect access token with read access to the vault'],
  ]),
  vault: keys('SECRET_STORE', [
    ['roleId', 'approle-role-id', 'RoleID of the AppRole (auth mount "approle") allowed to read the KV mount'],
    ['secretId', 'approle-secret-id', 'SecretID issued for that AppRole'],
  ]),
  'aws-secrets-manager': keys('SECRET_STORE', [
    [
      'accessKeyId',
      'access-key-id',
      'AWS access key id of an IAM principal allowed secretsmanager:GetSecretValue and DescribeSecret on the items',
    ],
    ['secretAccessKey', 'secret-access-key', 'the matching secret access key'],
  ]),
  'gcp-secret-manager': keys('SECRET_STORE', [
    [
      'serviceAccountKey',
      'service-account-key',
      'JSON key file of a GCP service account with roles/secretmanager.secretAccessor on the project',
      true,
    ],
  ]),
  'azure-key-vault': keys('SECRET_STORE', [
    [
      'clientId',
      'client-id',
      'application (client) id of a service principal with the Key Vault Secrets User role on the vault',
    ],
    ['clientSecret', 'client-secret', 'client secret of that service principal'],
  ]),
  bitwarden: keys('SECRET_STORE', [
    [
      'accessToken',
      'access-token',
      'Bitwarden Secrets Manager machine account access token with read access to the project',
    ],
  ]),
};

/** Secrets besides the credential that a provider needs before its store can become Ready. */
const STORE_EXTRA: Record<string, BootstrapSecret[]> = {
  bitwarden: [
    {
      namespace: 'external-secrets',
      name: 'bitwarden-tls-certs',
      purpose:
        'TLS of the bitwarden-sdk-server (it only speaks HTTPS); certificate for bitwarden-sdk-server.external-secrets.svc.cluster.local',
      keys: keys('BITWARDEN_TLS', [
        ['crt', 'tls.crt', 'PEM certificate for bitwarden-sdk-server.external-secrets.svc.cluster.local', true],
        ['key', 'tls.key', 'its PEM private key', true],
        ['ca', 'ca.crt', 'PEM certificate of the CA that signed it (the store trusts it)', true],
      ]),
    },
  ],
};

export const STORE_PROVIDERS = Object.keys(STORE_KEYS);

function storeKeys(provider: string): BootstrapKey[] {
  const k = STORE_KEYS[provider];
  if (!k) throw new Error(`no bootstrap credential is defined for secret store provider ${provider}`);
  return k;
}

/** The store credential (and any further Secret the provider needs), as created at bootstrap. */
export function storeSecrets(provider: string): BootstrapSecret[] {
  return [
    {
      ...STORE_CREDENTIAL,
      purpose: `credential the ClusterSecretStore ${provider} authenticates with`,
      keys: storeKeys(provider),
    },
    ...(STORE_EXTRA[provider] ?? []),
  ];
}

/** What a ClusterSecretStore variant template reads: `credential.key.<role>` is the key name, `credential.keys` the list. */
export function storeCredentialView(provider: string) {
  const list = storeKeys(provider);
  return {
    ...STORE_CREDENTIAL,
    keys: list,
    key: Object.fromEntries(list.map((k) => [k.role, k.key])),
    extra: STORE_EXTRA[provider] ?? [],
  };
}

/**
 * The URL Flux clones: scp-like `user@host:path` becomes `ssh://user@host/path` (Flux's GitRepository accepts only
 * URLs with a scheme); ssh:// and https:// URLs are used as they are.
 */
export function fluxGitUrl(url: string): string {
  const scp = /^([A-Za-z0-9._-]+@[A-Za-z0-9.-]+):(?!\/\/)\/?(.*)$/.exec(url);
  return scp ? `ssh://${scp[1]}/${scp[2]}` : url;
}

/** The Flux Receiver type for a Git URL's host: github.com is github, a host named gitlab* is gitlab, else generic. */
export function receiverType(url: string): 'github' | 'gitlab' | 'generic' {
  let host = '';
  try {
    host = new URL(fluxGitUrl(url)).hostname.toLowerCase();
  } catch {
    return 'generic';
  }
  if (host === 'github.com' || host.endsWith('.github.com') || host.startsWith('github.')) return 'github';
  if (host === 'gitlab.com' || host.split('.').some((l) => l === 'gitlab' || l.startsWith('gitlab-'))) return 'gitlab';
  return 'generic';
}

/** How Flux authenticates to the cluster's Git repository: chosen by the URL's scheme. */
export function gitAuth(url: string): 'ssh' | 'https' {
  return fluxGitUrl(url).startsWith('ssh://') ? 'ssh' : 'https';
}

/** The Git credential (SSH deploy key for ssh:// URLs, a token for https:// URLs). */
export function gitSecret(url: string): BootstrapSecret {
  let host = 'the Git host';
  let port = '';
  try {
    const u = new URL(fluxGitUrl(url));
    host = u.hostname;
    port = u.port;
  } catch {
    // validation already refused what Flux cannot clone; keep the generic wording
  }
  if (gitAuth(url) === 'ssh') {
    const hostArg = port ? `-p ${port} ${host}` : host;
    return {
      ...GIT_CREDENTIAL,
      purpose: `read-only SSH deploy key Flux clones ${fluxGitUrl(url)} with`,
      keys: keys('GIT', [
        [
          'identity',
          'identity',
          `private key of a read-only deploy key of the repository (ssh-keygen -t ed25519 -N "" -f deploy-key; register deploy-key.pub on ${host})`,
          true,
        ],
        [
          'knownHosts',
          'known_hosts',
          `host keys of ${host} (ssh-keyscan ${hostArg} > known_hosts; compare the fingerprints with the ones ${host} publishes)`,
          true,
        ],
      ]),
    };
  }
  return {
    ...GIT_CREDENTIAL,
    purpose: `read-only token Flux clones ${url} with (HTTPS basic auth)`,
    keys: keys('GIT', [
      [
        'username',
        'username',
        `user name of the token on ${host} (GitHub: any non-empty name, e.g. git; GitLab: the deploy token's user name)`,
      ],
      [
        'password',
        'password',
        'read-only access token (GitHub fine-grained token with Contents: read, GitLab deploy token with read_repository)',
      ],
    ]),
  };
}

/** Every Secret a person creates by hand on cluster c, in the order the bootstrap needs them. */
export function bootstrapSecrets(c: Pick<ClusterModel, 'git' | 'secretStore'>): BootstrapSecret[] {
  return [...storeSecrets(c.secretStore.provider), gitSecret(c.git.url)];
}

/** Per cluster, what bootstrap/README.md and bootstrap/bootstrap.sh tell a person to create. */
export function bootstrapView(clusters: Record<string, Pick<ClusterModel, 'git' | 'secretStore'>>) {
  return Object.entries(clusters).map(([name, c]) => ({
    name,
    provider: c.secretStore.provider,
    gitUrl: fluxGitUrl(c.git.url),
    gitAuth: gitAuth(c.git.url),
    secrets: bootstrapSecrets(c),
  }));
}
