import type { CLUSTER_FIELDS } from '../model/cluster-fields';

/*
 * The options of create-platform-cluster as commander hands them to the action. A module of types only, so the
 * command's definition (create-command.ts), its run (create-run.ts) and the prompts (prompts.ts) all read it
 * without importing one another in a circle.
 */

/** `lb-range` -> `lbRange`: the name commander gives a flag's value (model/cluster-fields.ts optionName, as a type). */
type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
type Field = (typeof CLUSTER_FIELDS)[number];
/** The flags of the cluster fields, as commander hands them over: a repeated flag as a list. */
export type FieldFlags = {
  [F in Field as F['flag'] extends `--${infer N}` ? Camel<N> : never]?: F extends { repeat: true } ? string[] : string;
};

export interface CreateFlags extends FieldFlags {
  dir: string;
  set?: string[];
  answers?: string;
  yes?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  interactive?: boolean;
  stories?: string[];
  approve?: boolean;
}
