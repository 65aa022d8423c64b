// A finding is what every rule reports (the Flux checks of check/, the plan and story rules): one shape for all.
export type Severity = 'error' | 'warning' | 'info';

/** One problem the check found. `code` is stable; `file` is repo-relative and `line` 1-based. */
export interface Finding {
  code: string;
  severity: Severity;
  cluster?: string;
  file?: string;
  line?: number;
  message: string;
  hint?: string;
}
