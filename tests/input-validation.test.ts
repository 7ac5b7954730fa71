import { GraphQLScalarType } from 'graphql';
import { ValidationError, getMetadataStorage as validationStorage, validate } from 'class-validator';
import { ArgumentValidationError, getMetadataStorage } from 'type-graphql';
import { getSchema } from '../src/graphql/schema';
import {
  VALIDATOR_OPTIONS,
  surelyValid,
  typeGraphqlValidateArg,
  validateArgument,
  validateScalarArgumentsInline,
} from '../src/graphql/input-validation';
import { INTERNALS_WRITTEN_FOR, typeGraphqlInternal } from '../src/graphql/type-graphql-internals';
import { convertArgument, convertInputsWithKeptPlans, typeGraphqlConversion } from '../src/graphql/input-conversion';

/**
 * The two shortcuts type-graphql's argument handling takes here (input-validation.ts, input-conversion.ts)
 * must answer exactly what type-graphql and class-validator answer. Both are checked on every input type
 * of the schema, with values generated around each field's declared bounds.
 */

type InputField = { name: string; getType(): unknown; typeOptions: { array?: boolean; arrayDepth?: number } };
type InputClass = { target: new () => object; name: string; fields?: InputField[] };
type Constraint = { name: string };
type ValidationMeta = { propertyName: string; type: string; constraints: unknown[]; constraintCls: Function; each?: boolean };

/** A small seeded generator, so a failure names a case that can be run again. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return { next, pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)] };
}

const inputClasses = () => getMetadataStorage().inputTypes as unknown as InputClass[];
/** `@ArgsType` classes (paging and filter arguments): validated by the same path as inputs. */
const argumentClasses = () => getMetadataStorage().argumentTypes as unknown as InputClass[];
const classOf = (target: unknown) => [...inputClasses(), ...argumentClasses()].find((c) => c.target === target);

function fieldsOf(cls: InputClass): InputField[] {
  const fields = [...(cls.fields ?? [])];
  for (let p = Object.getPrototypeOf(cls.target); p.prototype !== undefined; p = Object.getPrototypeOf(p)) {
    const parent = classOf(p);
    if (parent) fields.push(...(parent.fields ?? []).filter((f) => !fields.some((g) => g.name === f.name)));
  }
  return fields;
}

/** Values at and just past each bound class-validator declares on `property` of `target`. */
function boundaryValues(target: Function, property: string): unknown[] {
  const storage = validationStorage() as unknown as {
    getTargetValidationMetadatas(t: Function, s: string, a: boolean, g: boolean): ValidationMeta[];
    getTargetValidatorConstraints(c: Function): Constraint[];
  };
  const out: unknown[] = [];
  for (const m of storage.getTargetValidationMetadatas(target, '', false, false).filter((x) => x.propertyName === property)) {
    const name = m.constraintCls ? storage.getTargetValidatorConstraints(m.constraintCls)[0]?.name : m.type;
    const n = typeof m.constraints?.[0] === 'number' ? (m.constraints[0] as number) : 0;
    const strings = (k: number) => ['x'.repeat(k), '字'.repeat(Math.max(0, k))];
    const values: unknown[] =
      name === 'maxLength'
        ? [...strings(n), ...strings(n + 1)]
        : name === 'minLength'
          ? [...strings(n), ...strings(Math.max(0, n - 1))]
          : name === 'max' || name === 'min'
            ? [n, n + 1, n - 1, n + 0.5]
            : name === 'arrayMaxSize' || name === 'arrayMinSize'
              ? [Array(n).fill('a'), Array(n + 1).fill('a'), Array(Math.max(0, n - 1)).fill('a')]
              : name === 'isEnum'
                ? [...Object.values(m.constraints[0] as object), 'NOT_A_MEMBER']
                : name === 'isIp'
                  ? ['127.0.0.1', '::1', 'not-an-ip']
                  : name === 'isBoolean'
                    ? [true, 'true']
                    : name === 'matches'
                      ? ['', 'abc', 'ABC_1', '2026-01-01', 'a b', '#', 'x'.repeat(200)]
                      : [];
    out.push(...(m.each ? values.map((v) => [v, 'ok']) : values));
  }
  return out;
}

const scalarSamples = (type: unknown): unknown[] => {
  const name = type instanceof GraphQLScalarType ? type.name : (type as { name?: string })?.name;
  switch (name) {
    case 'Int':
    case 'Number':
      return [0, 1, 7, -1, 2_000_000_001];
    case 'Float':
      return [0, 2.5, -3.25];
    case 'Boolean':
      return [true, false];
    default:
      return ['abc', '', 'x'.repeat(70), '中文内容'];
  }
};

/**
 * A random value for `cls` as type-graphql would hand it over: instances (`instances`) or plain objects;
 * lists at their declared bounds unless `long` is false.
 */
function sample(cls: InputClass, rnd: ReturnType<typeof random>, instances: boolean, depth = 0, long = true): object {
  const values: Record<string, unknown> = {};
  for (const f of fieldsOf(cls)) {
    const type = f.getType();
    const nested = classOf(type);
    const one = (): unknown => {
      if (nested) return depth < 3 ? sample(nested, rnd, instances, depth + 1, long) : rnd.pick([null, undefined]);
      return rnd.pick([...scalarSamples(type), ...boundaryValues(cls.target, f.name)]);
    };
    const r = rnd.next();
    if (r < 0.12) values[f.name] = rnd.pick([null, undefined]);
    else if (f.typeOptions.array) {
      const bounds = boundaryValues(cls.target, f.name).filter(Array.isArray) as unknown[][];
      const length = long && bounds.length && rnd.next() < 0.2 ? rnd.pick(bounds).length : Math.floor(rnd.next() * 4);
      const item = nested ? one() : undefined; // long arrays repeat one item
      values[f.name] = Array.from({ length }, (_, i) => (nested && i > 3 ? item : one()));
    } else values[f.name] = one();
    if (values[f.name] === undefined) delete values[f.name];
  }
  return instances ? Object.assign(new cls.target(), values) : values;
}

/** Classes and field values of a converted input, so that two conversions can be compared as a whole. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') {
    return {
      class: value.constructor?.name,
      fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)])),
    };
  }
  return value;
}

describe('argument validation and conversion shortcuts', () => {
  let classes: InputClass[];
  beforeAll(async () => {
    await getSchema();
    classes = inputClasses();
  });

  it('are installed for the type-graphql version they were written against', () => {
    // false on any other version: the upgrade then has to look at type-graphql's conversion again
    expect(convertInputsWithKeptPlans()).toBe(true);
    expect(INTERNALS_WRITTEN_FOR).toMatch(/^2\./);
    expect(classes.length).toBeGreaterThan(100);
    expect(argumentClasses().length).toBeGreaterThan(5);
  });

  it('answer an argument that is not an object at once, as type-graphql answers it after a turn, and leave objects to it', async () => {
    expect(validateScalarArgumentsInline(false)).toBe(true);
    // not with a custom parameter decorator that validates an argument: type-graphql chains .then there
    expect(validateScalarArgumentsInline(true)).toBe(false);
    const installed = typeGraphqlInternal<{ validateArg: typeof typeGraphqlValidateArg }>('resolvers/validate-arg.js').validateArg;
    expect(installed).not.toBe(typeGraphqlValidateArg);
    const id = new GraphQLScalarType({ name: 'Id' });
    for (const value of ['T3JnOjE=', '', 'x\u0000', 0, 12.5, true, null, undefined]) {
      const answer = installed(value, id, {}, undefined, undefined, validateArgument, undefined);
      expect(answer).not.toBeInstanceOf(Promise);
      expect(answer).toBe(await typeGraphqlValidateArg(value, id, {}, undefined, undefined, validateArgument, undefined));
    }
    // an object, another validateFn, or an argument's own: type-graphql's function, a promise
    const input = Object.assign(Object.create(classes[0].target.prototype) as object, {});
    expect(installed(input, classes[0].target, {}, undefined, undefined, validateArgument, undefined)).toBeInstanceOf(Promise);
    const other = async () => undefined;
    expect(installed('x', id, {}, undefined, undefined, other, undefined)).toBeInstanceOf(Promise);
    expect(installed('x', id, {}, undefined, undefined, validateArgument, other)).toBeInstanceOf(Promise);
  });

  it('call an input valid exactly when class-validator finds nothing wrong with it, for every input and arguments type', async () => {
    const rnd = random(20261206);
    let valid = 0;
    let invalid = 0;
    const mismatches: string[] = [];
    for (const cls of [...classes, ...argumentClasses()]) {
      for (let i = 0; i < 30; i++) {
        const input = sample(cls, rnd, true);
        const errors = await validate(input, VALIDATOR_OPTIONS);
        if (surelyValid(input) !== (errors.length === 0)) mismatches.push(`${cls.name} #${i}: ${JSON.stringify(input).slice(0, 300)}`);
        if (errors.length) invalid++;
        else valid++;
      }
    }
    expect(mismatches).toEqual([]);
    // both answers were put to the test, many times over
    expect(valid).toBeGreaterThan(500);
    expect(invalid).toBeGreaterThan(500);
  });

  it('refuse invalid input with class-validator’s own errors, and let valid input through', async () => {
    const rnd = random(7);
    for (const cls of classes.filter((c) => /^(SaveScoresInput|CreateOrgInput|UpdateOrgInput)$/.test(c.name))) {
      for (let i = 0; i < 40; i++) {
        const input = sample(cls, rnd, true);
        const errors = await validate(input, VALIDATOR_OPTIONS);
        const outcome = await validateArgument(input).then(
          () => 'valid' as const,
          (e: unknown) => e,
        );
        if (errors.length === 0) expect(outcome).toBe('valid');
        else {
          expect(outcome).toBeInstanceOf(ArgumentValidationError);
          expect((outcome as ArgumentValidationError).extensions.validationErrors).toEqual(errors as ValidationError[]);
        }
      }
    }
    // a list argument: the first failing item's errors, as type-graphql reports them
    const scores = classes.find((c) => c.name === 'ScoreInput')!;
    const bad = Object.assign(new scores.target(), { criterionId: 'c', value: 1, note: 'x'.repeat(2001) });
    const good = Object.assign(new scores.target(), { criterionId: 'c', value: 1 });
    await expect(validateArgument([good, null, 'text'])).resolves.toBeUndefined();
    const refused = await validateArgument([good, bad]).catch((e: ArgumentValidationError) => e);
    expect((refused as ArgumentValidationError).extensions.validationErrors).toEqual(await validate(bad, VALIDATOR_OPTIONS));
  });

  it('convert every input type to the same instances as type-graphql does', () => {
    const rnd = random(42);
    for (const cls of classes) {
      for (let i = 0; i < 10; i++) {
        const one = () => sample(cls, rnd, false, 0, false); // type-graphql's own conversion is slow on lists of 2,000
        const plain = rnd.next() < 0.1 ? [one(), one()] : one();
        const meta = { name: 'input', getType: () => cls.target };
        const theirs = typeGraphqlConversion.convertArgToInstance(meta, { input: plain });
        const ours = convertArgument(cls.target, plain);
        expect(shape(ours)).toEqual(shape(theirs));
      }
    }
  });
});
