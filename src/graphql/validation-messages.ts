import { ValidationError, getMetadataStorage } from 'class-validator';
import { Problem } from './errors';
import { registerReasons, renderReason } from './messages';

/**
 * class-validator's checks on type-graphql inputs, in the catalogue like every other refusal: each
 * failed constraint becomes a problem with its own reason, the field's path and the bound (taken from
 * the constraint's standard message, the one place class-validator states it).
 */
const CONSTRAINTS: Record<string, { reason: string; zh: string; en: string }> = {
  maxLength: { reason: 'VALUE_TOO_LONG', zh: '{field} 最多 {limit} 个字符', en: '{field} has at most {limit} characters' },
  minLength: { reason: 'VALUE_TOO_SHORT', zh: '{field} 至少 {limit} 个字符', en: '{field} has at least {limit} characters' },
  max: { reason: 'VALUE_TOO_LARGE', zh: '{field} 不能大于 {limit}', en: '{field} must not be greater than {limit}' },
  min: { reason: 'VALUE_TOO_SMALL', zh: '{field} 不能小于 {limit}', en: '{field} must not be less than {limit}' },
  arrayMaxSize: { reason: 'TOO_MANY_ITEMS', zh: '{field} 最多 {limit} 项', en: '{field} has at most {limit} items' },
  arrayMinSize: { reason: 'TOO_FEW_ITEMS', zh: '{field} 至少 {limit} 项', en: '{field} has at least {limit} items' },
  matches: { reason: 'VALUE_FORMAT', zh: '{field} 格式不正确', en: '{field} is not in the expected format' },
  // the decimals a numeric column keeps (IsNumber's maxDecimalPlaces, stated in its message)
  isNumber: { reason: 'VALUE_TOO_PRECISE', zh: '{field} 最多 {limit} 位小数', en: '{field} has at most {limit} decimals' },
  isInt: { reason: 'VALUE_NOT_INTEGER', zh: '{field} 必须是整数', en: '{field} must be a whole number' },
  isNotEmpty: { reason: 'VALUE_REQUIRED', zh: '{field} 不能为空', en: '{field} must not be empty' },
  arrayNotEmpty: { reason: 'VALUE_REQUIRED', zh: '{field} 不能为空', en: '{field} must not be empty' },
};
const OTHER = { reason: 'VALUE_INVALID', zh: '{field} 不符合要求', en: '{field} is not valid' };

registerReasons(
  'core',
  Object.fromEntries([...Object.values(CONSTRAINTS), OTHER].map((c) => [c.reason, { code: 'BAD_USER_INPUT', zh: c.zh, en: c.en }])),
);

/** The failed constraints of `errors` (nested inputs included) as problems with a reason and a path. */
export function validationProblems(errors: ValidationError[], prefix = ''): Problem[] {
  return errors.flatMap((v) => {
    const path = prefix ? `${prefix}.${v.property}` : v.property;
    const own = Object.entries(v.constraints ?? {}).map(([name, english]) => {
      const spec = CONSTRAINTS[name] ?? OTHER;
      const bound = /(\d+(?:\.\d+)?)(?!.*\d)/.exec(english)?.[1];
      const params = { field: path, ...(bound !== undefined ? { limit: Number(bound) } : {}) };
      return { path, reason: spec.reason, ...params, message: renderReason(spec.reason, params, 'zh-CN') ?? english };
    });
    return [...own, ...validationProblems(v.children ?? [], path)];
  });
}

type MetadataLookup = (target: Function, schema: string, always: boolean, strictGroups: boolean, groups?: string[]) => unknown[];

/**
 * class-validator looks up a class's constraints afresh for every object it validates: a walk over
 * every validated class of the app with an `instanceof` test each (a form of 53 scores did it 54
 * times per request). The constraints are declared once, by decorators at load time, so the lookup
 * is kept per class (without groups, which the app does not use); a constraint declared later (a class
 * loaded after the schema) drops what was kept.
 */
export function keepValidationLookups(): void {
  const storage = getMetadataStorage() as unknown as {
    getTargetValidationMetadatas: MetadataLookup;
    addValidationMetadata(metadata: unknown): void;
    __kept?: boolean;
  };
  if (storage.__kept) return;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let kept = new Map<string, unknown[]>();
  const ids = new WeakMap<Function, number>();
  let next = 0;
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (groups?.length) return lookup(target, schema, always, strictGroups, groups);
    let id = ids.get(target);
    if (id === undefined) ids.set(target, (id = next++));
    const key = `${String(id)}\u0000${schema}\u0000${always}\u0000${strictGroups}`;
    let found = kept.get(key);
    if (!found) kept.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
  storage.addValidationMetadata = (metadata) => {
    kept = new Map();
    add(metadata);
  };
  storage.__kept = true;
}
