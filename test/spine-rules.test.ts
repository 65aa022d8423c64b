import { describe, expect, it } from 'vitest';
import type { UsageError } from '../src/core/errors';
import { defaultCluster } from '../src/model/defaults';
import { newPlatform, type PlatformFile, setCluster, setStoryState } from '../src/model/platform-file';
import { checkStateChange, resolveStoryIds, withCustomStory } from '../src/model/story-rules';
import { catalogFor } from '../src/model/wiring';

/** The story rules are model functions: they run on a platform in memory, with no repository and no command. */
function platform(): PlatformFile {
  const pf = newPlatform();
  setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
  setCluster(pf, 'apps', defaultCluster(pf.spec, 'apps'));
  return pf;
}

describe('story rules in model/story-rules.ts', () => {
  const pf = platform();
  const cat = catalogFor(pf.spec);
  // A story whose first dependency runs on the same cluster role.
  const onInfra = (id: string) => cat.byId.get(id)!.clusters.includes('infra');
  const story = cat.stories.find((s) => s.dependsOn.length === 1 && onInfra(s.dependsOn[0]) && onInfra(s.id))!;
  const dep = cat.byId.get(story.dependsOn[0])!;

  it('approving a story whose dependency is not approved is refused, naming the dependency', () => {
    const p = platform();
    const before = p.spec;
    setStoryState(p, story.id, { infra: 'approved' });
    const refusal = (() => {
      try {
        checkStateChange(p.spec, before, cat, [[story, ['infra']]], [], 'approved');
      } catch (e) {
        return e as UsageError;
      }
      return undefined;
    })();
    expect(refusal?.message).toMatch(`${story.id} cannot be approved`);
    expect(refusal?.details).toEqual([`${dep.id} is not added on infra`]);
    // Brought along (--with-deps) and approved with it, the dependency counts.
    setStoryState(p, dep.id, { infra: 'approved' });
    expect(() =>
      checkStateChange(p.spec, before, cat, [[story, ['infra']]], [[dep, ['infra']]], 'approved'),
    ).not.toThrow();
  });

  it('taking a dependency back to draft is refused while a story approved on that cluster needs it', () => {
    const p = platform();
    setStoryState(p, dep.id, { infra: 'approved' });
    setStoryState(p, story.id, { infra: 'approved' });
    const before = p.spec;
    setStoryState(p, dep.id, { infra: 'draft' });
    expect(() => checkStateChange(p.spec, before, cat, [[dep, ['infra']]], [], 'draft')).toThrow(
      `${dep.id} cannot go back to draft`,
    );
  });

  it("a custom story's definition is checked against the schema before anything else", () => {
    expect(() => withCustomStory(pf.spec, 'STORY-APP-MINE', { title: 'x' })).toThrow(
      'custom story STORY-APP-MINE: invalid definition; nothing was written',
    );
  });

  it('resolveStoryIds gives the catalog in plan order for all, and refuses a malformed id', () => {
    expect(resolveStoryIds(cat, 'all').map((s) => s.seq)).toEqual(
      cat.stories.filter((s) => !s.custom).map((s) => s.seq),
    );
    expect(() => resolveStoryIds(cat, ['story-net'])).toThrow(/story id "story-net"/);
  });
});
