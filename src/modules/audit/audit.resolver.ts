import { MaxLength } from 'class-validator';
import { Args, ArgsType, Ctx, Field, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, decodeGlobalId, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { userService } from '../user/user.service';
import { AuditEntry } from './audit.entity';
import { auditService } from './audit.service';

export const AuditEntryConnection = Connection(AuditEntry);

@ArgsType()
class AuditArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列改动此记录的操作（记录的全局编号）' }) entityId?: string;
  @Field(() => String, { nullable: true, description: '只列此操作（如 createOrg）' }) @MaxLength(100) action?: string;
}

/** An id argument that is not one of ours matches no entry (rather than every entry). */
const NO_ENTITY = '00000000-0000-0000-0000-000000000000';

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => AuditEntryConnection, {
    description: '操作日志，新的在前（管理员：根组织的管理员看全部，其他管理员看其管理范围内记录的操作）',
  })
  async auditLog(@Args() args: AuditArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<AuditEntry>> {
    const entityId = args.entityId ? (decodeGlobalId(args.entityId)?.id ?? NO_ENTITY) : undefined;
    return toConnection(await auditService.list(ctx, { entityId, action: args.action }, pageSize(args), args.after));
  }

  @FieldResolver(() => String, { nullable: true, description: '操作人姓名' })
  async actorName(@Root() entry: AuditEntry, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, entry.actorId);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: '操作人的用户名：仅本人和管理其所在组织的管理员可见，其他为空（姓名见 actorName）',
  })
  async actor(@Root() entry: AuditEntry, @Ctx() ctx: RequestContext): Promise<string | null> {
    return auditService.actorUsername(ctx, entry);
  }

  @FieldResolver(() => ID, { nullable: true, description: '所改动记录的全局编号' })
  entityId(@Root() entry: AuditEntry): string | null {
    return entry.entityId && entry.entityType ? toGlobalId(entry.entityType, entry.entityId) : entry.entityId;
  }
}
