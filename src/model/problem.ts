/** One problem of an input (platform.yaml, answers, flags): where, as a field path, and what. */
export interface Problem {
  /** Field path, e.g. clusters.apps.network.podCidr */
  path: string;
  message: string;
}
