import { randomUUID } from 'node:crypto';
import {
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
} from 'graphql';

/**
 * The pieces a schema crawl needs: from the introspected schema, an operation for every root field with
 * every ID argument (and every ID of its input objects) filled from a map of type name → global id, and
 * a selection that reaches every scalar two levels deep so that an id would show up in the answer.
 */
export const toGlobal = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');
export const rawOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];

/** The type an id argument or input field most likely names (orgId → Org, under → Org, id → the field's type). */
export function typeForIdArg(name: string, fallback: string, known: Iterable<string>): string {
  if (name === 'under' || name === 'scopeOrgId' || /org/i.test(name)) return 'Org';
  const base = name.replace(/Ids?$/, '');
  const candidate = base.charAt(0).toUpperCase() + base.slice(1);
  const match = [...known].find((t) => t.toLowerCase() === candidate.toLowerCase() || t.toLowerCase().endsWith(candidate.toLowerCase()));
  return match ?? fallback;
}

/** A value of the input type, with every ID filled from `ids` (type name → global id). */
export function valueFor(type: GraphQLInputType, name: string, ids: Map<string, string>, owner: string, depth = 0): unknown {
  if (isNonNullType(type)) return valueFor(type.ofType, name, ids, owner, depth);
  if (isListType(type)) return [valueFor(type.ofType, name, ids, owner, depth)];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    if (depth > 4) return {};
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (!isNonNullType(f.type) && !/id$|ids$/i.test(f.name)) continue;
      out[f.name] = valueFor(f.type, f.name, ids, owner, depth + 1);
    }
    return out;
  }
  if (isScalarType(type)) {
    // plausible values, so that a mutation reaches its scope check instead of stopping at validation
    switch (type.name) {
      case 'ID':
        return ids.get(typeForIdArg(name, owner, ids.keys())) ?? ids.get('Org');
      case 'Int':
        return name === 'year' ? 2026 : name === 'rating' ? 5 : 1;
      case 'Float':
        return name === 'weight' || /share|ratio/i.test(name) ? 0.5 : 1;
      case 'Boolean':
        return true;
      case 'Date':
        return /^ends|^due/i.test(name) ? '2026-12-31' : '2026-01-15';
      case 'DateTime':
        return '2026-01-15T00:00:00Z';
      default:
        if (/key$/i.test(name)) return `crawl-${randomUUID()}`;
        if (name === 'username') return 'crawl-user';
        if (name === 'password') return 'crawl-password-123';
        if (name === 'deviceId') return `crawl-device-${randomUUID()}`;
        if (name === 'code') return 'C1';
        return '抽查 crawl';
    }
  }
  return null;
}

/** A selection that reaches every scalar of the type, two levels deep, so ids would show up. */
export function selection(type: ReturnType<typeof getNamedType>, depth = 0): string {
  if (!isObjectType(type) && !isInterfaceType(type) && !isUnionType(type)) return '';
  if (isUnionType(type) || isInterfaceType(type)) return '{ __typename ... on Node { id } }';
  const fields = Object.values(type.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
  const parts = fields
    .map((f) => {
      const named = getNamedType(f.type);
      if (isScalarType(named) || isEnumType(named)) return f.name;
      return depth < 1 ? `${f.name} ${selection(named, depth + 1)}` : '';
    })
    .filter(Boolean);
  return `{ __typename ${parts.join(' ')} }`;
}

/**
 * The operation calling `field` with its required and id arguments filled from `ids` (with
 * `requiredOnly`, its required arguments alone: a list then answers for the viewer's default scope).
 */
export function operation(
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  ids: Map<string, string>,
  requiredOnly = false,
) {
  const owner = getNamedType(field.type).name;
  const variables: Record<string, unknown> = {};
  const decls: string[] = [];
  const args = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) || (!requiredOnly && /id$|ids$|^under$/i.test(a.name)));
  for (const a of args) {
    variables[a.name] = valueFor(a.type, a.name, ids, owner);
    decls.push(`$${a.name}: ${a.type.toString()}`);
  }
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const sel = selection(getNamedType(field.type));
  return { query: `${kind}${decls.length ? `(${decls.join(', ')})` : ''} { ${field.name}${call} ${sel} }`, variables };
}

/** Root query fields besides node/nodes and introspection. */
export function rootQueries(schema: GraphQLSchema): GraphQLField<unknown, unknown>[] {
  return Object.values(schema.getQueryType()!.getFields()).filter(
    (f) => !f.name.startsWith('__') && f.name !== 'node' && f.name !== 'nodes',
  );
}

/** Mutations with an ID among their arguments or their input objects' fields. */
export function mutationsTakingIds(schema: GraphQLSchema): GraphQLField<unknown, unknown>[] {
  return Object.values(schema.getMutationType()!.getFields()).filter(
    (f) =>
      JSON.stringify(f.args.map((a) => a.type.toString())).includes('ID') ||
      f.args.some((a) => {
        const named = getNamedType(a.type);
        return isInputObjectType(named) && Object.values(named.getFields()).some((x) => String(x.type).includes('ID'));
      }),
  );
}

/** The answer without ids and type names, for comparing two answers' shapes and values. */
export const strip = (body: unknown) => JSON.stringify(body ?? null).replace(/"(id|__typename)":"[^"]*"/g, '');
