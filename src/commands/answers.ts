// The answers (what flags, prompts and --answers files say about a cluster) are domain rules: model/answers.ts.
// This re-export keeps the old import path working until its importers move (issue 17).
export * from '../model/answers';
