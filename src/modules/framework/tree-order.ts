/** Criteria in tree order: parents before children, siblings by position (then code). */
export function treeOrder<T extends { id: string; parentId: string | null; position: number; code: string }>(criteria: T[]): T[] {
  const byParent = new Map<string | null, T[]>();
  for (const c of criteria) byParent.set(c.parentId, [...(byParent.get(c.parentId) ?? []), c]);
  const out: T[] = [];
  const walk = (parent: string | null) => {
    for (const c of (byParent.get(parent) ?? []).sort((a, b) => a.position - b.position || a.code.localeCompare(b.code))) {
      out.push(c);
      walk(c.id);
    }
  };
  walk(null);
  return out;
}
