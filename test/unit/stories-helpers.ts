// Re-exports for the unit tests of the story catalog (one import line, typed).

export type { StoryDef } from '../../src';
export {
  defaultCluster,
  loadCatalog,
  newPlatform,
  renderPlatform,
  setCluster,
  TemplateRenderer,
  validatePlatform,
} from '../../src';
export { foundationComponents } from '../../src/model/components';
export type { PlatformSpec } from '../../src/model/schema';
export { buildCatalog as buildCatalogForTest, checkCatalog, nearestStoryIds } from '../../src/model/stories';
export { approvedDependents, unmetDependencies } from '../../src/model/story-rules';
export { wiredComponents } from '../../src/model/wiring';
