// What a static kustomize build yields: objects with where they came from, and the files it read.
import type { Finding } from '../core/finding';
import type { VarRef } from './vars';

/** One object of a static kustomize build, with where it came from. */
export interface Obj {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  raw: Record<string, any>;
  file: string;
  line: number;
  /** Line of a field inside the object (path of keys/indexes), or the object's line. */
  lineOf: (p: (string | number)[]) => number;
  vars: VarRef[];
  /** The outermost kustomization entry that brought this object into the build. */
  via?: { file: string; line: number };
  /** configMapGenerator/secretGenerator objects: data key -> repo-relative source file (`files:` entries). */
  sourceFiles?: Record<string, string>;
}

export interface Build {
  objects: Obj[];
  /** Every repo file the build read. */
  files: Set<string>;
  findings: Finding[];
}
