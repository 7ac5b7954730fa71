import { getMetadataStorage } from 'type-graphql';
import { internalsMatch, typeGraphqlInternal } from './type-graphql-internals';

/**
 * type-graphql turns every input argument into instances of its classes (which class-validator needs),
 * and to do it, lists an input class's fields afresh for every object it converts: each field's type
 * is looked up by a linear search over all the app's input types, and nested trees are rebuilt. For a
 * save of 44 scores that was 0.16 ms a request. The conversion below is the same (same fields, same
 * inheritance rule, type-graphql's own `convertToType` for each value), with each class's field list
 * worked out once, on its first use.
 *
 * type-graphql offers no hook for this, so `convertArgToInstance` of its `convert-args` module (what an
 * `@Arg` goes through) is replaced in place, on the release type-graphql-internals.ts names only. `@ArgsType` classes keep
 * type-graphql's `convertArgsToInstance`: they are flat.
 */

type Field = { name: string; getType(): unknown };
type InputClass = { target: Function; fields?: Field[] };
type Plan = { target: Function; fields: () => PlanField[] };
type PlanField = { name: string; target: unknown; nested: Plan | null };
type ArgMetadata = { name: string; getType(): Function };
type ConvertArgs = { convertArgToInstance(meta: ArgMetadata, args: Record<string, unknown>): unknown };

const convertArgs = typeGraphqlInternal<ConvertArgs>('resolvers/convert-args.js');
const { convertToType } = typeGraphqlInternal<{ convertToType(target: unknown, data: unknown): unknown }>('helpers/types.js');

/** type-graphql's own function, kept for the equality test. */
export const typeGraphqlConversion = { ...convertArgs };

const plans = new Map<Function, Plan | null>();

function inputClass(target: unknown): InputClass | undefined {
  return (getMetadataStorage().inputTypes as InputClass[]).find((t) => t.target === target);
}

/** type-graphql's transformation tree for `target`, its field list computed on first use and kept. */
function planOf(target: Function): Plan | null {
  const known = plans.get(target);
  if (known !== undefined) return known;
  const found = inputClass(target);
  const plan = found ? planFor(found) : null;
  plans.set(target, plan);
  return plan;
}

function planFor(metadata: InputClass): Plan {
  let fields: PlanField[] | undefined;
  const plan: Plan = {
    target: metadata.target,
    fields: () => {
      if (fields) return fields;
      let inputFields = metadata.fields ?? [];
      // the same inheritance rule as type-graphql: a subclass's field hides its parent's of that name
      for (let parent = Object.getPrototypeOf(metadata.target); parent.prototype !== undefined; parent = Object.getPrototypeOf(parent)) {
        const inherited = inputClass(parent);
        if (inherited) {
          const names = new Set(inputFields.map((f) => f.name));
          inputFields = [...inputFields, ...(inherited.fields ?? []).filter((f) => !names.has(f.name))];
        }
      }
      fields = inputFields.map((f) => {
        const fieldTarget = f.getType();
        return { name: f.name, target: fieldTarget, nested: typeof fieldTarget === 'function' ? planOf(fieldTarget) : null };
      });
      return fields;
    },
  };
  return plan;
}

function convertToInput(plan: Plan, data: unknown): unknown {
  if (data == null) return data;
  if (Array.isArray(data)) return data.map((item) => convertToInput(plan, item));
  const values: Record<string, unknown> = {};
  for (const field of plan.fields()) {
    const value = (data as Record<string, unknown>)[field.name];
    if (value === undefined) continue;
    const nested = field.nested;
    if (value === null || !nested) values[field.name] = convertToType(field.target, value);
    else if (Array.isArray(value)) values[field.name] = value.map((item) => convertToInput(nested, item));
    else values[field.name] = convertToInput(nested, value);
  }
  return convertToType(plan.target, values);
}

/** What type-graphql's resolvers get for an argument of type `target` once the conversion is replaced. */
export function convertArgument(target: Function, value: unknown): unknown {
  if (value == null) return value;
  if (Array.isArray(value)) return value.map((item) => convertArgument(target, item));
  const plan = planOf(target);
  return plan ? convertToInput(plan, value) : convertToType(target, value);
}

/** Replaces type-graphql's argument conversion with the kept-plan one; false when the version differs. */
export function convertInputsWithKeptPlans(): boolean {
  if (!internalsMatch) return false;
  convertArgs.convertArgToInstance = (meta, args) => convertArgument(meta.getType(), args[meta.name]);
  return true;
}
