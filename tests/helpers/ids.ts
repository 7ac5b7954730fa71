/**
 * Global ids as a client sees them: base64url of `Type:uuid`. Written out here rather than imported from
 * src/graphql/relay.ts, so that a change of the encoding shows in the tests.
 */
export const globalId = (type: string, id: string): string => Buffer.from(`${type}:${id}`).toString('base64url');

/** The row id inside a global id (for looking under the API). */
export const rawId = (id: string): string => Buffer.from(id, 'base64url').toString().split(':')[1];

/** A well-formed global id of `type` that names no row. */
export const unknownId = (type: string): string => globalId(type, '00000000-0000-4000-8000-000000000000');
