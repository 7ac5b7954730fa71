import { MAX_ORG_DEPTH, OrgKind } from '../org/org.entity';

/** An org of the importer's tree (existing, or planned by an earlier row of the file). */
export interface TreeNode {
  id: string | null;
  name: string;
  kind: OrgKind;
  /** ltree path (known for existing orgs; set for planned ones when they are applied). */
  path: string | null;
  /** Levels from the tenant's root (the root is 1): nlevel(path) for existing orgs, the parent's + 1 for planned ones. */
  depth: number;
  archived: boolean;
  manageable: boolean;
  parent: TreeNode | null;
  /** The import row that creates it (planned orgs). */
  row?: number;
}

export type Resolved = { node: TreeNode } | { unknown: true } | { ambiguous: TreeNode };

/** The empty name path: the suffix every org's one-name suffix extends. */
const EMPTY = 0;
/** Room for name ids in a suffix key (`suffix * NAMES + name` stays an exact integer below 2^53). */
const NAMES = 2 ** 26;

/**
 * Names and name paths resolved in O(segments) per row: every suffix of an org's name path (its name; its
 * parent's name and its name; … up to the root, at most MAX_ORG_DEPTH names) is interned as a number, the
 * suffix of its parent's suffix and its own name, so an org adds one map entry per suffix and copies no
 * string; each suffix keeps the first org it names and how many it names. A sibling's name is one lookup
 * in its parent's children. Building costs O(orgs × depth) small entries, depth bounded by MAX_ORG_DEPTH
 * (an org deeper, such as an import row refused for its depth, is indexed by its name alone), so resolving a 50,000-row file against a 50,000-org
 * tree is linear, never a scan of the tree per row. (Keying every suffix by its joined text cost the
 * cube of the depth: a 1,600-row chain exhausted the heap.)
 */
export class OrgIndex {
  private readonly nameIds = new Map<string, number>();
  /** `parentSuffix * NAMES + nameId` → suffix id. */
  private readonly suffixIds = new Map<number, number>();
  private readonly first: TreeNode[] = [];
  private readonly count: number[] = [];
  /** Each org's suffix ids, longest (from the root) first. */
  private readonly suffixes = new Map<TreeNode, number[]>();
  private readonly children = new Map<TreeNode | null, Map<string, TreeNode>>();

  constructor(private readonly maxDepth: number = MAX_ORG_DEPTH) {}

  add(node: TreeNode): void {
    let nameId = this.nameIds.get(node.name);
    if (nameId === undefined) this.nameIds.set(node.name, (nameId = this.nameIds.size + 1));
    const above = node.parent ? (this.suffixes.get(node.parent) ?? []) : [];
    // a name path longer than the tree may be deep names nothing: keep the shortest suffixes only; an org
    // deeper than the bound (an import row refused for it) is found by its name alone, one entry
    const from = node.depth > this.maxDepth ? above.length : Math.max(0, above.length + 1 - this.maxDepth);
    const own: number[] = [];
    for (let i = from; i <= above.length; i++) {
      const key = (i < above.length ? above[i] : EMPTY) * NAMES + nameId;
      let id = this.suffixIds.get(key);
      if (id === undefined) {
        this.suffixIds.set(key, (id = this.count.length + 1));
        this.first[id] = node;
        this.count[id] = 0;
      }
      this.count[id]++;
      own.push(id);
    }
    this.suffixes.set(node, own);
    let siblings = this.children.get(node.parent);
    if (!siblings) this.children.set(node.parent, (siblings = new Map()));
    if (!siblings.has(node.name)) siblings.set(node.name, node);
  }

  /** An org by its name, or by a name path from the root or any ancestor down ("市公交集团党委/第一车队党支部"). */
  resolve(segments: string[]): Resolved {
    let id: number | undefined = EMPTY;
    for (const segment of segments) {
      const nameId = this.nameIds.get(segment);
      id = nameId === undefined ? undefined : this.suffixIds.get(id * NAMES + nameId);
      if (id === undefined) return { unknown: true };
    }
    if (id === EMPTY) return { unknown: true };
    if (this.count[id] > 1) return { ambiguous: this.first[id] };
    return { node: this.first[id] };
  }

  /** The org named `name` directly under `parent` (archived or not), if any. */
  child(parent: TreeNode, name: string): TreeNode | undefined {
    return this.children.get(parent)?.get(name);
  }

  namePath(node: TreeNode): string[] {
    const names: string[] = [];
    for (let n: TreeNode | null = node; n; n = n.parent) names.push(n.name);
    return names.reverse();
  }
}
