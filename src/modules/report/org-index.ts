import { OrgKind } from '../org/org.entity';

/** An org of the importer's tree (existing, or planned by an earlier row of the file). */
export interface TreeNode {
  id: string | null;
  name: string;
  kind: OrgKind;
  /** ltree path (known for existing orgs; set for planned ones when they are applied). */
  path: string | null;
  archived: boolean;
  manageable: boolean;
  parent: TreeNode | null;
  /** The import row that creates it (planned orgs). */
  row?: number;
}

export type Resolved = { node: TreeNode } | { unknown: true } | { ambiguous: TreeNode };

const SEP = '\u0001';

/**
 * Names and name paths resolved in O(1) per row: every suffix of every org's name path (its name; its
 * parent's name and its name; … up to the root) is a key, built once when the org is added, with the
 * first org it names and how many it names. A sibling's name is one lookup in its parent's children.
 * Building costs O(orgs × depth) (depth is a handful of levels), so resolving a 50,000-row file against
 * a 50,000-org tree is linear, never a scan of the tree per row.
 */
export class OrgIndex {
  private readonly bySuffix = new Map<string, { first: TreeNode; count: number }>();
  private readonly children = new Map<TreeNode | null, Map<string, TreeNode>>();
  private readonly names = new Map<TreeNode, string[]>();

  add(node: TreeNode): void {
    const path = [...(node.parent ? (this.names.get(node.parent) ?? []) : []), node.name];
    this.names.set(node, path);
    for (let i = 0; i < path.length; i++) {
      const key = path.slice(i).join(SEP);
      const entry = this.bySuffix.get(key);
      if (entry) entry.count++;
      else this.bySuffix.set(key, { first: node, count: 1 });
    }
    let siblings = this.children.get(node.parent);
    if (!siblings) this.children.set(node.parent, (siblings = new Map()));
    if (!siblings.has(node.name)) siblings.set(node.name, node);
  }

  /** An org by its name, or by a name path from the root or any ancestor down ("市公交集团党委/第一车队党支部"). */
  resolve(segments: string[]): Resolved {
    const entry = this.bySuffix.get(segments.join(SEP));
    if (!entry) return { unknown: true };
    if (entry.count > 1) return { ambiguous: entry.first };
    return { node: entry.first };
  }

  /** The org named `name` directly under `parent` (archived or not), if any. */
  child(parent: TreeNode, name: string): TreeNode | undefined {
    return this.children.get(parent)?.get(name);
  }

  namePath(node: TreeNode): string[] {
    return this.names.get(node) ?? [node.name];
  }
}
