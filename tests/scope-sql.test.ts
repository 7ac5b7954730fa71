import { positional, visibleOrgSql } from '../src/auth/scope';
import { UserViewer } from '../src/auth/viewer';
import { Role } from '../src/auth/roles';

describe('scope conditions in positional SQL', () => {
  const root = 'a'.repeat(32);
  const viewer: UserViewer = {
    kind: 'user',
    userId: 'u',
    tenantId: 't',
    username: 'u',
    roles: [
      { assignmentId: '1', role: Role.TENANT_ADMIN, orgId: 'o1', path: `${root}.${'b'.repeat(32)}` },
      { assignmentId: '2', role: Role.TENANT_ADMIN, orgId: 'o2', path: `${root}.${'c'.repeat(32)}` },
    ],
  };

  it('numbers each named parameter after those already given, with its value, and leaves casts alone', () => {
    const params: unknown[] = ['tenant', ['ids']];
    const condition = visibleOrgSql(viewer, 'o');
    const sql = positional({ sql: `${condition.sql} AND o.path_key::text <> ''`, params: condition.params }, params);
    // two subtrees (a range each) and the ancestors' keys: five values after the two given
    expect(sql).not.toMatch(/:scope_/);
    expect(sql).toContain('::text');
    expect(params).toEqual([
      'tenant',
      ['ids'],
      `${root}.${'b'.repeat(32)}`,
      `${root}.${'b'.repeat(32)}/`,
      `${root}.${'c'.repeat(32)}`,
      `${root}.${'c'.repeat(32)}/`,
      [root],
    ]);
    expect(sql.match(/\$(\d+)/g)).toEqual(['$3', '$4', '$5', '$6', '$7']);
  });

  it('refuses a condition that names a parameter it has no value for', () => {
    expect(() => positional({ sql: 'o.path_key = :scope_1', params: {} }, [])).toThrow(/no value/);
  });
});
