// Library API: everything the CLIs do is available here.
export { createClusters, loadPlatform } from './api/create-cluster';
export type { CreateClusterOptions, CreateClusterResult } from './api/create-cluster';
export { ClusterAnswersSchema, AnswersFileSchema, parseNodeSpec, parseSet, applyAnswers } from './api/answers';
export type { ClusterAnswers } from './api/answers';
export { planRepo, applyPlan, checkRepoDir } from './api/repo';
export { renderPlatform, VERSIONS } from './generate/platform';
export { TemplateRenderer, BUILTIN_TEMPLATES } from './core/render';
export { Tree } from './core/tree';
export { computePlan, formatPlan, summarize, writes } from './core/plan';
export type { Plan, Change, Action } from './core/plan';
export { commitChanges } from './core/disk';
export { parsePlatform, newPlatform, setCluster, platformToString, PLATFORM_FILE } from './model/platform-file';
export { validatePlatform } from './model/validate';
export { defaultCluster } from './model/defaults';
export { VARIABLES, findVariables, substitute } from './model/variables';
export { foundationComponents } from './model/components';
export { UsageError, ConflictError } from './core/errors';
export { quoteScalar } from './core/yaml';
