// Re-exports for the unit tests of the story catalog (one import line, typed).
export { approvedDependents, checkCatalog, foundationComponents, loadCatalog, nearestStoryIds, newPlatform, renderPlatform, setCluster, TemplateRenderer, unmetDependencies, validatePlatform, wiredComponents, defaultCluster } from '../../src';
export { buildCatalog as buildCatalogForTest } from '../../src/model/stories';
export type { StoryDef } from '../../src';
export type { PlatformSpec } from '../../src/model/schema';
