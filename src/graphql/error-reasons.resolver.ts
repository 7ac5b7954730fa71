import { Ctx, Field, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { RequestContext } from './context';
import { registeredReasons, renderReason } from './messages';

/**
 * Every reason an error may carry in `extensions.reason`, as an enum of the schema (each value
 * described in Chinese): clients switch on it, and `errorReasons` gives them the messages in their
 * language. Filled from the registry when the schema is built, after every module has declared its own.
 */
export const ErrorReason: Record<string, string> = {};

export function registerErrorReasonEnum(): void {
  const reasons = [...registeredReasons()].sort(([a], [b]) => a.localeCompare(b));
  for (const [reason] of reasons) ErrorReason[reason] = reason;
  registerEnumType(ErrorReason, {
    name: 'ErrorReason',
    description: '错误原因：每个错误在 extensions.reason 中给出的原因代码（比 extensions.code 更细），客户端据此决定下一步。',
    valuesConfig: Object.fromEntries(
      reasons.map(([reason, spec]) => [
        reason,
        { description: `${spec.zh}（${spec.code}）`, ...(spec.deprecated && { deprecationReason: spec.deprecated }) },
      ]),
    ),
  });
}

@ObjectType({ description: '错误原因目录中的一条：原因代码、对应的错误码及当前语言的提示文字。' })
export class ErrorReasonInfo {
  @Field(() => ErrorReason, { description: '原因代码' }) reason: string;
  @Field({ description: '错误码（extensions.code），如 BAD_USER_INPUT、FORBIDDEN' }) code: string;
  @Field({ description: '提示文字模板（按 Accept-Language 的语言），{参数} 由错误的 extensions 填入' }) message: string;
}

@Resolver()
export class ErrorReasonResolver {
  @Query(() => [ErrorReasonInfo], {
    description: '错误原因目录：所有原因及其提示文字模板（中文或英文，按 Accept-Language），前端可预先加载。无需登录。',
  })
  errorReasons(@Ctx() ctx: RequestContext): ErrorReasonInfo[] {
    return [...registeredReasons()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, spec]) => ({ reason, code: spec.code, message: renderReason(reason, {}, ctx.locale) ?? reason }));
  }
}
