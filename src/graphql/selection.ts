import { FieldNode, GraphQLResolveInfo, Kind, SelectionSetNode, valueFromASTUntyped } from 'graphql';

/**
 * The value of argument `arg` that the fields at `path` below the resolving field are asked with (through
 * inline fragments and named fragments too), when they are all asked with the same one; undefined when
 * none is asked for, or they differ. For a list that reads, in its own statement, what a field of every
 * node would otherwise read in a statement of its own (Org.campaignResult on a page of orgs).
 */
export function askedArgument(info: GraphQLResolveInfo, path: string[], arg: string): unknown {
  let level: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) level = fieldsNamed(info, level, name);
  const values = new Set<string>();
  let value: unknown;
  for (const node of level) {
    const given = node.arguments?.find((a) => a.name.value === arg);
    value = given ? valueFromASTUntyped(given.value, info.variableValues) : undefined;
    values.add(JSON.stringify(value ?? null));
  }
  return values.size === 1 ? value : undefined;
}

/** Whether the resolving field's own selection asks for `name` (through fragments too). */
export function asksFor(info: GraphQLResolveInfo, name: string): boolean {
  return fieldsNamed(info, info.fieldNodes, name).length > 0;
}

/**
 * The fields named `name` selected directly under any of `parents`, through fragments. Each selection set
 * and each named fragment is read once per call, as graphql-js collects fields: linear in the document,
 * however often a fragment is spread (the cost limit bounds the expanded document too; this does not rely on it).
 */
function fieldsNamed(info: GraphQLResolveInfo, parents: readonly FieldNode[], name: string): FieldNode[] {
  const found = new Set<FieldNode>();
  const sets = new Set<SelectionSetNode>();
  const fragments = new Set<string>();
  const pending: (SelectionSetNode | undefined)[] = parents.map((p) => p.selectionSet);
  while (pending.length) {
    const set = pending.pop();
    if (!set || sets.has(set)) continue;
    sets.add(set);
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === name) found.add(s);
      } else if (s.kind === Kind.INLINE_FRAGMENT) pending.push(s.selectionSet);
      else if (!fragments.has(s.name.value)) {
        fragments.add(s.name.value);
        pending.push(info.fragments[s.name.value]?.selectionSet);
      }
    }
  }
  return [...found];
}
