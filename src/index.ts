// The library API: what the three CLIs do, as functions, with the types they take and return. The layers below
// (core/, the model's rules, check/'s walk, the file-change plan) are the implementation, not part of the API;
// test/layers-api.test.ts holds this list, so a name added or dropped here is a decision, not an accident.

export { checkFlux } from './check/check';
export type { ClusterDiff, DiffBuildError, DiffChanged, DiffObject, DiffOptions, DiffResult } from './check/diff';
export { diff as diffRepo } from './check/diff';
export type {
  CheckOptions,
  CheckResult,
  CheckRule,
  ClusterGraph,
  ClusterWalked,
  Finding,
  GraphNode,
  Severity,
} from './check/types';
// platform-kit check, graph and diff: what Flux would apply, from the files alone.
export { check } from './commands/check';
export type { CreateClusterOptions, CreateClusterResult } from './commands/create-cluster';
// create-platform-cluster and add-story: platform.yaml and the repository it renders, on disk.
export { createClusters } from './commands/create-cluster';
export { gateStaticWithCheck } from './commands/gate';
export type { Generated, GenerateInputs } from './commands/generate';
export { generate } from './commands/generate';
export type { RegenerateOptions, RegenerateResult } from './commands/regenerate';
export { regenerate } from './commands/regenerate';
export type { SessionOptions } from './commands/session';
export { Session, session } from './commands/session';
export type {
  AddStoriesOptions,
  AddStoryOptions,
  ApproveOptions,
  ApproveStoriesOptions,
  StoriesResult,
  StoryListing,
  StoryResult,
} from './commands/stories';
export {
  addStories,
  addStory,
  approveStories,
  approveStory,
  listStories,
  unapproveStories,
  unapproveStory,
} from './commands/stories';
export { upToDate } from './commands/up-to-date';
// Errors: UsageError is bad input (exit 2), ConflictError a conflict (exit 1).
export { ConflictError, UsageError } from './core/errors';
export { BUILTIN_TEMPLATES, TemplateRenderer } from './core/render';
export { Tree } from './core/tree';
export { gateLive, gateStatic } from './delivery/gate';
export type { DeliveryPlan, SprintPlan } from './delivery/model';
// platform-kit plan and gate: the delivery plan (sprints of stories) and each sprint's go/no-go.
export { buildPlan } from './delivery/model';
export { renderPlan } from './delivery/render';
// The platform in memory: render it into a tree; generate() plans it against any tree (a caller's in-memory one
// too) with the manifest and merge bases; session() runs work on a folder (lock, load, validate, git, commit).
export { renderPlatform, VERSIONS } from './generate/platform';
export type { Component } from './model/components';
export { defaultCluster } from './model/defaults';
export type { PlatformFile } from './model/platform-file';
// platform.yaml and the story catalog: the inputs.
export {
  loadPlatform,
  newPlatform,
  PLATFORM_FILE,
  parsePlatform,
  platformToString,
  setCluster,
} from './model/platform-file';
export type { Problem } from './model/problem';
export type { ClusterSpec, PlatformSpec } from './model/schema';
export type { Catalog, StoryDef } from './model/stories';
export { loadCatalog } from './model/stories';
export { validatePlatform } from './model/validate';
export { catalogFor } from './model/wiring';
