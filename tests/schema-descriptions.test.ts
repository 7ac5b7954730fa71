import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  GraphQLNamedType,
  buildSchema,
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

const schema = buildSchema(readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8'));
const CJK = /[\u3400-\u9fff]/;
const ours = (t: GraphQLNamedType) => !t.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name);

/** Every element of the schema a frontend developer reads, with its description (or undefined). */
function elements(): { path: string; description: string | undefined | null }[] {
  const out: { path: string; description: string | undefined | null }[] = [];
  for (const type of Object.values(schema.getTypeMap()).filter(ours)) {
    if (isScalarType(type) && ['DateTime', 'Date', 'JSON'].includes(type.name)) continue; // graphql-scalars describe theirs (in English)
    out.push({ path: type.name, description: type.description });
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        // Relay plumbing is described once, on the connection types' own fields
        out.push({ path: `${type.name}.${field.name}`, description: field.description });
        for (const arg of field.args) out.push({ path: `${type.name}.${field.name}(${arg.name})`, description: arg.description });
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) out.push({ path: `${type.name}.${field.name}`, description: field.description });
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) out.push({ path: `${type.name}.${value.name}`, description: value.description });
    } else if (isUnionType(type)) {
      // described on the type itself
    }
  }
  return out;
}

/** Plain lists of a type that grows with use must be connections; these lists are bounded by what they are. */
const BOUNDED_LISTS: Record<string, string> = {
  'Org.ancestors': 'the orgs above one: as many as the tree is deep',
  'User.roles': 'a user’s role assignments: a few roles over a few orgs, each granted by hand',
  'Viewer.roles': 'the signed-in user’s own role assignments (as User.roles)',
  'Mutation.setPublicReviewsExcluded': 'the reviews the input names (1 to 100 ids)',
  'SupervisionTeam.scope': 'the subtrees a team inspects: named when it is formed, at most 200',
  'Inspection.findings': 'the findings of one record: at most 200, fixed once it is finalized',
  'Inspection.amendments': 'a record is amended once: at most one',
  'Notice.subjects': 'the orgs a notice names: fixed when it is drafted, at most 500',
  'Notice.inspections': 'the inspections a notice cites: fixed when it is drafted, at most 100',
  'Campaign.deadlines': 'a campaign has at most 50 deadlines (CreateCampaignInput)',
  'FrameworkVersion.criteria': 'a version’s criteria tree: at most 2,000 criteria (framework.document.ts)',
  'FrameworkVersion.dimensions': 'the top level of a version’s criteria tree',
  'Criterion.children': 'one level of a version’s criteria tree',
  'Inspection.files': 'the evidence files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD, file.service.ts)',
  'Finding.files': 'the evidence files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD, file.service.ts)',
  'Rectification.files': 'the evidence files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD, file.service.ts)',
  'DeadlineSubmission.files': 'the evidence files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD, file.service.ts)',
  'LedgerEntry.files': 'the evidence files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD, file.service.ts)',
  'Briefing.files': 'the evidence files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD, file.service.ts)',
  'CriterionScore.files': 'the evidence files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD, file.service.ts)',
  'Commitment.files': 'the evidence files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD, file.service.ts)',
  'Opinion.files': 'the evidence files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD, file.service.ts)',
  'Query.exemplarKinds': 'a tenant’s exemplar kinds: at most 30 (MAX_EXEMPLAR_KINDS)',
  'ServiceRecord.participants': 'who served on one record: at most 50 (MAX_PARTICIPANTS)',
  'ServiceRecord.evidence': 'the files of one record: at most 50 (MAX_ATTACHMENTS_PER_RECORD)',
};

function undescribed(): string[] {
  return elements()
    .filter((e) => !e.description || !CJK.test(e.description))
    .map((e) => e.path);
}

function unlabelled(): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap()).filter(ours)) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    const fields = type.getFields();
    for (const field of Object.values(fields)) {
      const named = getNamedType(field.type);
      if (isEnumType(named) && !isListType(isNonNullType(field.type) ? field.type.ofType : field.type)) {
        if (!fields[`${field.name}Label`] && named.name !== 'ErrorReason') out.push(`${type.name}.${field.name}`);
      }
    }
  }
  return out;
}

function plainLists(): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap()).filter(ours)) {
    if (!isObjectType(type) || type.name.endsWith('Connection') || type.name.endsWith('Edge')) continue;
    for (const field of Object.values(type.getFields())) {
      const inner = isNonNullType(field.type) ? field.type.ofType : field.type;
      if (!isListType(inner)) continue;
      const item = getNamedType(inner);
      const key = `${type.name}.${field.name}`;
      if (isObjectType(item) && item.getInterfaces().some((i) => i.name === 'Node') && !BOUNDED_LISTS[key]) out.push(key);
    }
  }
  return out;
}

/**
 * What is not yet as it should be, allowed while the modules move (issues 11 and 12): the allowance only
 * shrinks (an entry that is now right must leave it). `WRITE_ALLOWANCES=1 npx jest tests/schema-descriptions`
 * rewrites it from the schema.
 */
const ALLOWANCES_FILE = path.join(__dirname, 'schema-allowances.json');
const allowances: { undescribed: string[]; unlabelled: string[]; plainLists: string[] } = JSON.parse(readFileSync(ALLOWANCES_FILE, 'utf8'));
if (process.env.WRITE_ALLOWANCES) {
  writeFileSync(
    ALLOWANCES_FILE,
    JSON.stringify({ undescribed: undescribed(), unlabelled: unlabelled(), plainLists: plainLists() }, null, 1) + '\n',
  );
}

describe('the schema as a frontend developer reads it', () => {
  it.each([
    ['describes every type, field, argument, input field and enum value, in Chinese', 'undescribed', undescribed],
    ['gives every enum-valued field its Chinese label beside it', 'unlabelled', unlabelled],
    ['pages every list of a growing type (a Node) as a connection', 'plainLists', plainLists],
  ] as const)('%s', (_name, key, find) => {
    const found = find();
    const allowed = allowances[key];
    expect(found.filter((p) => !allowed.includes(p))).toEqual([]);
    expect(allowed.filter((p) => !found.includes(p))).toEqual([]);
  });
});
