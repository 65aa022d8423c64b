// Re-exports for the unit tests of the story catalog (one import line, typed).
export { loadCatalog, newPlatform, renderPlatform, setCluster, TemplateRenderer, validatePlatform, defaultCluster } from '../../src';
export { approvedDependents, unmetDependencies } from '../../src/model/story-rules';
export { foundationComponents } from '../../src/model/components';
export { checkCatalog, nearestStoryIds } from '../../src/model/stories';
export { wiredComponents } from '../../src/model/wiring';
export { buildCatalog as buildCatalogForTest } from '../../src/model/stories';
export type { StoryDef } from '../../src';
export type { PlatformSpec } from '../../src/model/schema';
