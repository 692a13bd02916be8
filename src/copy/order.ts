/**
 * The order in which a copy writes manifests: an index only after the manifests it lists, since a
 * registry may refuse an index whose children it does not hold yet.
 */
import { isImageIndex, type Manifest } from '../oci/manifest.js';

/**
 * `items` in levels: level 0 holds what lists none of `items` (image manifests, or an index whose children
 * are all elsewhere), and each later level only indexes whose listed manifests sit in earlier levels.
 */
export function levelsChildrenFirst<T extends { descriptor: { digest: string }; manifest: Manifest }>(items: readonly T[]): T[][] {
  const byDigest = new Map(items.map((item) => [item.descriptor.digest, item]));
  const depth = new Map<string, number>();
  const depthOf = (item: T, path: ReadonlySet<string>): number => {
    const digest = item.descriptor.digest;
    const known = depth.get(digest);
    if (known !== undefined) return known;
    let level = 0;
    if (isImageIndex(item.manifest)) {
      for (const entry of item.manifest.manifests) {
        const child = byDigest.get(entry.digest);
        // A digest names its content, so a cycle cannot exist; the path check only keeps bad input from recursing forever.
        if (child && !path.has(entry.digest)) level = Math.max(level, depthOf(child, new Set([...path, digest])) + 1);
      }
    }
    depth.set(digest, level);
    return level;
  };
  const levels: T[][] = [];
  for (const item of items) (levels[depthOf(item, new Set())] ??= []).push(item);
  return levels.filter((level) => level.length > 0);
}
