import { ValidationArguments, ValidationTypes, ValidatorOptions, getMetadataStorage, validateOrReject } from 'class-validator';
import { ArgumentValidationError } from 'type-graphql';
import { internalsMatch, typeGraphqlInternal } from './type-graphql-internals';

/**
 * type-graphql's argument validation, with a first pass that only answers "valid or not".
 *
 * class-validator builds a ValidationError for every property of every object it visits, looks up each
 * constraint's validator with a linear scan, and awaits promises throughout: a save of 44 scores spent
 * 0.18 ms there, nearly all of it on input that was valid. The first pass walks the same metadata with
 * the same rules (IsOptional and other conditions, IS_DEFINED, skipped missing properties, `each`,
 * nested objects and arrays) and calls each constraint's own `validate`, so it never calls valid what
 * class-validator would refuse. Anything it does not model (async or promise validation, groups,
 * `always`) sends the input to class-validator, as does every failure: the refusal a client gets is
 * class-validator's, unchanged.
 */

/** What type-graphql passes to class-validator for our global settings (validate-arg.js). */
export const VALIDATOR_OPTIONS: ValidatorOptions = {
  forbidUnknownValues: false,
  skipMissingProperties: true,
  validationError: { target: false, value: false },
};

type Metadata = {
  type: string;
  target: Function | string;
  propertyName: string;
  constraints: unknown[];
  constraintCls: Function;
  each?: boolean;
  always?: boolean;
  groups?: string[];
  validateIf?: (object: object, value: unknown) => boolean;
};
type Constraint = { async: boolean; instance: { validate(value: unknown, args: ValidationArguments): unknown } };
type Check = { metadata: Metadata; constraints: Constraint[] };
type Property = { name: string; conditions: Metadata[]; defined: Check[]; custom: Check[]; nested: boolean };
/** A class's properties as checked, or null when something in them is not modelled here. */
type Plan = Property[] | null;

type Storage = {
  getTargetValidationMetadatas(target: Function, schema: string, always: boolean, strictGroups: boolean, groups?: string[]): Metadata[];
  getTargetValidatorConstraints(cls: Function): Constraint[];
};

const storage = () => getMetadataStorage() as unknown as Storage;
/** Keyed by the lookup's answer, which keepValidationLookups keeps until a constraint is declared. */
const plans = new WeakMap<Metadata[], Plan>();

function planOf(metadatas: Metadata[]): Plan {
  const known = plans.get(metadatas);
  if (known !== undefined) return known;
  const byName = new Map<string, Property>();
  let plan: Plan = [];
  for (const m of metadatas) {
    if (m.always !== undefined || m.groups?.length) plan = null;
    let p = byName.get(m.propertyName);
    if (!p) byName.set(m.propertyName, (p = { name: m.propertyName, conditions: [], defined: [], custom: [], nested: false }));
    const check = () => {
      const constraints = storage().getTargetValidatorConstraints(m.constraintCls);
      if (constraints.some((c) => c.async)) plan = null;
      return { metadata: m, constraints };
    };
    if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) p.conditions.push(m);
    else if (m.type === ValidationTypes.IS_DEFINED) p.defined.push(check());
    else if (m.type === ValidationTypes.CUSTOM_VALIDATION) p.custom.push(check());
    else if (m.type === ValidationTypes.NESTED_VALIDATION) p.nested = true;
    else if (m.type !== ValidationTypes.WHITELIST) plan = null; // promise validation and anything newer
  }
  if (plan) plan = [...byName.values()];
  plans.set(metadatas, plan);
  return plan;
}

const listed = (value: unknown): unknown[] | null =>
  Array.isArray(value) ? value : value instanceof Set || value instanceof Map ? Array.from(value.values()) : null;

/** class-validator's customValidations, answering only whether every check holds (undefined: not modelled). */
function checksHold(object: object, value: unknown, checks: Check[]): boolean | undefined {
  for (const { metadata, constraints } of checks) {
    if (metadata.validateIf && !metadata.validateIf(object, value)) continue;
    const args: ValidationArguments = {
      targetName: object.constructor?.name,
      property: metadata.propertyName,
      object,
      value,
      constraints: metadata.constraints,
    };
    const items = metadata.each ? listed(value) : null;
    for (const c of constraints) {
      for (const item of items ?? [value]) {
        const valid = c.instance.validate(item, args);
        if (valid instanceof Promise) return undefined;
        if (!valid) return false;
      }
    }
  }
  return true;
}

/** class-validator's nestedValidations: arrays item by item, objects by their own class, anything else refused. */
function nestedHolds(value: unknown): boolean | undefined {
  if (value === undefined) return true;
  const items = listed(value);
  if (items) {
    for (const item of items) {
      if (item === null || item === undefined) continue; // skipMissingProperties
      const held = nestedHolds(item);
      if (held !== true) return held;
    }
    return true;
  }
  return value instanceof Object ? objectHolds(value) : false;
}

function objectHolds(object: object): boolean | undefined {
  const plan = planOf(storage().getTargetValidationMetadatas(object.constructor, '', false, false));
  if (!plan) return undefined;
  for (const p of plan) {
    const value = (object as Record<string, unknown>)[p.name];
    if (value instanceof Promise) return undefined;
    if (!p.conditions.every((c) => (c.constraints[0] as (o: object, v: unknown) => boolean)(object, value))) continue;
    const defined = checksHold(object, value, p.defined);
    if (defined !== true) return defined;
    if (value === null || value === undefined) continue;
    const custom = checksHold(object, value, p.custom);
    if (custom !== true) return custom;
    if (p.nested) {
      const nested = nestedHolds(value);
      if (nested !== true) return nested;
    }
  }
  return true;
}

/** True when class-validator, with VALIDATOR_OPTIONS, would find nothing wrong with `value`. */
export function surelyValid(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  for (const item of Array.isArray(value) ? value : [value]) {
    if (item !== null && typeof item === 'object' && objectHolds(item) !== true) return false;
  }
  return true;
}

/** type-graphql's validateFn: the first pass, then class-validator exactly as type-graphql runs it. */
export async function validateArgument(value: unknown): Promise<void> {
  if (surelyValid(value)) return;
  try {
    if (Array.isArray(value)) {
      await Promise.all(
        value.filter((v) => v !== null && typeof v === 'object').map((v) => validateOrReject(v as object, VALIDATOR_OPTIONS)),
      );
    } else {
      await validateOrReject(value as object, VALIDATOR_OPTIONS);
    }
  } catch (errors) {
    throw new ArgumentValidationError(errors as never);
  }
}

type ValidateArg = (
  argValue: unknown,
  argType: unknown,
  resolverData: unknown,
  globalValidate: unknown,
  argValidate: unknown,
  globalValidateFn: unknown,
  argValidateFn: unknown,
) => Promise<unknown> | unknown;
const validateArgModule = typeGraphqlInternal<{ validateArg: ValidateArg }>('resolvers/validate-arg.js');
/** type-graphql's own function, kept for the equality test. */
export const typeGraphqlValidateArg: ValidateArg = validateArgModule.validateArg;

/**
 * type-graphql's `validateArg` is async: every `@Arg` a resolver takes, a campaign's id as much as an
 * input object, makes its resolver wait a turn of promises (with a global validateFn it awaits it even
 * for a string), and so every field with an argument resolves as a promise: a page of 50 orgs each
 * asking for its `campaignResult(campaignId:)` made 50. A value that is not an object is what
 * validateArgument finds valid without looking (surelyValid), so when validateArgument is the one that
 * would run, such a value is answered as it is, synchronously; anything else goes to type-graphql's
 * function. Replaced in place (its resolvers call it through the module object) on the release
 * type-graphql-internals.ts names, and only while no custom parameter decorator validates an argument (type-graphql
 * chains `.then` on the result there); tests/input-validation.test.ts checks both answers agree.
 */
export function validateScalarArgumentsInline(customArgParams: boolean): boolean {
  if (!internalsMatch || customArgParams) return false;
  validateArgModule.validateArg = (argValue, argType, resolverData, globalValidate, argValidate, globalValidateFn, argValidateFn) =>
    (argValue === null || typeof argValue !== 'object') && argValidateFn === undefined && globalValidateFn === validateArgument
      ? argValue
      : typeGraphqlValidateArg(argValue, argType, resolverData, globalValidate, argValidate, globalValidateFn, argValidateFn);
  return true;
}
