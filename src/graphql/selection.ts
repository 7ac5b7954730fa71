import { FieldNode, GraphQLResolveInfo, Kind, SelectionSetNode, valueFromASTUntyped } from 'graphql';

/**
 * The value of argument `arg` that the fields at `path` below the resolving field are asked with (through
 * inline fragments and named fragments too), when they are all asked with the same one; undefined when
 * none is asked for, or they differ. For a list that reads, in its own statement, what a field of every
 * node would otherwise read in a statement of its own (Org.campaignResult on a page of orgs).
 */
export function askedArgument(info: GraphQLResolveInfo, path: string[], arg: string): unknown {
  let level: FieldNode[] = [...info.fieldNodes];
  for (const name of path) level = level.flatMap((node) => fieldsNamed(info, node.selectionSet, name));
  const values = new Set<string>();
  let value: unknown;
  for (const node of level) {
    const given = node.arguments?.find((a) => a.name.value === arg);
    value = given ? valueFromASTUntyped(given.value, info.variableValues) : undefined;
    values.add(JSON.stringify(value ?? null));
  }
  return values.size === 1 ? value : undefined;
}

function fieldsNamed(info: GraphQLResolveInfo, set: SelectionSetNode | undefined, name: string, depth = 0): FieldNode[] {
  // fragments cannot nest without end in a valid document; the bound keeps a crafted one cheap anyway
  if (!set || depth > 8) return [];
  return set.selections.flatMap((s): FieldNode[] => {
    if (s.kind === Kind.FIELD) return s.name.value === name ? [s] : [];
    if (s.kind === Kind.INLINE_FRAGMENT) return fieldsNamed(info, s.selectionSet, name, depth + 1);
    const fragment = info.fragments[s.name.value];
    return fragment ? fieldsNamed(info, fragment.selectionSet, name, depth + 1) : [];
  });
}

/** Whether the resolving field's own selection asks for `name` (through fragments too). */
export function asksFor(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some((node) => fieldsNamed(info, node.selectionSet, name).length > 0);
}
