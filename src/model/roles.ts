/** Roles a cluster can have; any cluster name (apps-dev, stg, prod…) is based on one of them. */
export const ROLES = ['infra', 'apps'] as const;
export type Role = (typeof ROLES)[number];
