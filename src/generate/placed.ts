import type { TemplateRenderer } from '../core/render';
import type { Tree } from '../core/tree';

/** A path segment that stands for a value: `__cluster__` is the cluster's name, `__lane__` a lane's. */
const PLACEHOLDER = /__([a-z]+)__/g;

/** One value of a repeated segment (`__lane__`) and the data its files get besides the folder's. */
export interface Repeat {
  value: string;
  data: object;
}

/**
 * Render every template under a folder to the same relative path in the tree, with its placeholder segments replaced:
 * `places` gives one value per name (`{ cluster: 'infra' }`), `repeat` a list of values for one name, each file
 * holding it rendered once per value with that value's data added. The folder mirrors what it writes, so a new
 * file there needs no code. Returns the paths written.
 */
export function renderPlaced(
  tree: Tree,
  r: TemplateRenderer,
  dir: string,
  places: Record<string, string>,
  data: object,
  repeat: Record<string, Repeat[]> = {},
): string[] {
  const written: string[] = [];
  for (const rel of r.walk(dir)) {
    const names = [...rel.matchAll(PLACEHOLDER)].map((m) => m[1]);
    const repeated = names.find((n) => repeat[n]);
    const copies = repeated
      ? repeat[repeated].map((x) => ({ values: { ...places, [repeated]: x.value }, data: { ...data, ...x.data } }))
      : [{ values: places, data }];
    for (const copy of copies) {
      const out = rel.replace(PLACEHOLDER, (_m, name: string) => {
        // A placeholder the caller has no value for is a template folder the code does not know: a bug, not input.
        if (copy.values[name] === undefined)
          throw new Error(`template ${dir}/${rel}: no value for the path segment __${name}__`);
        return copy.values[name];
      });
      tree.write(out, r.render(`${dir}/${rel}`, copy.data));
      written.push(out);
    }
  }
  return written;
}
