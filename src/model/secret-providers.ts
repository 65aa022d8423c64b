/** External Secrets providers a cluster's ClusterSecretStore can use (the store is named after the provider). */
export const SECRET_PROVIDERS = [
  'onepassword',
  'vault',
  'aws-secrets-manager',
  'gcp-secret-manager',
  'azure-key-vault',
  'bitwarden',
] as const;
export type SecretProvider = (typeof SECRET_PROVIDERS)[number];
