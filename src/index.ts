// The library API: what the three CLIs do, as functions, with the types they take and return. The layers below
// (core/, the model's rules, check/'s walk, the file-change plan) are the implementation, not part of the API;
// test/layers-api.test.ts holds this list, so a name added or dropped here is a decision, not an accident.

// create-platform-cluster and add-story: platform.yaml and the repository it renders, on disk.
export { createClusters } from './commands/create-cluster';
export type { CreateClusterOptions, CreateClusterResult } from './commands/create-cluster';
export { addStory, addStories, approveStory, approveStories, unapproveStory, unapproveStories, listStories } from './commands/stories';
export type { AddStoryOptions, AddStoriesOptions, ApproveOptions, ApproveStoriesOptions, StoriesResult, StoryResult, StoryListing } from './commands/stories';
export { regenerate } from './commands/regenerate';
export type { RegenerateOptions, RegenerateResult } from './commands/regenerate';

// The platform in memory: render it into a tree; generate() plans it against any tree (a caller's in-memory one
// too) with the manifest and merge bases; session() runs work on a folder (lock, load, validate, git, commit).
export { renderPlatform, VERSIONS } from './generate/platform';
export { generate } from './commands/generate';
export type { GenerateInputs, Generated } from './commands/generate';
export { session, Session } from './commands/session';
export type { SessionOptions } from './commands/session';
export { upToDate } from './commands/up-to-date';
export { TemplateRenderer, BUILTIN_TEMPLATES } from './core/render';
export { Tree } from './core/tree';

// platform.yaml and the story catalog: the inputs.
export { loadPlatform, parsePlatform, newPlatform, setCluster, platformToString, PLATFORM_FILE } from './model/platform-file';
export type { PlatformFile } from './model/platform-file';
export type { ClusterSpec, PlatformSpec } from './model/schema';
export { validatePlatform } from './model/validate';
export type { Problem } from './model/problem';
export { defaultCluster } from './model/defaults';
export { loadCatalog } from './model/stories';
export type { Catalog, StoryDef } from './model/stories';
export { catalogFor } from './model/wiring';
export type { Component } from './model/components';

// platform-kit check, graph and diff: what Flux would apply, from the files alone.
export { check } from './commands/check';
export { checkFlux } from './check/check';
export type { CheckOptions, CheckResult, CheckRule, ClusterGraph, ClusterWalked, Finding, GraphNode, Severity } from './check/types';
export { diff as diffRepo } from './check/diff';
export type { DiffOptions, DiffResult, ClusterDiff, DiffObject, DiffChanged, DiffBuildError } from './check/diff';

// platform-kit plan and gate: the delivery plan (sprints of stories) and each sprint's go/no-go.
export { buildPlan } from './delivery/model';
export type { DeliveryPlan, SprintPlan } from './delivery/model';
export { renderPlan } from './delivery/render';
export { gateStatic, gateLive } from './delivery/gate';
export { gateStaticWithCheck } from './commands/gate';

// Errors: UsageError is bad input (exit 2), ConflictError a conflict (exit 1).
export { UsageError, ConflictError } from './core/errors';
