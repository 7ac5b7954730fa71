import { MaxLength } from 'class-validator';
import { Args, ArgsType, Ctx, Field, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, decodeGlobalId, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { AuditEntry } from './audit.entity';
import { auditService } from './audit.service';

export const AuditEntryConnection = Connection(AuditEntry);

@ArgsType()
class AuditArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Only entries about this record.' }) entityId?: string;
  @Field(() => String, { nullable: true }) @MaxLength(100) action?: string;
}

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => AuditEntryConnection, { description: 'The tenant’s audit trail, newest first (tenant admins).' })
  async auditLog(@Args() args: AuditArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<AuditEntry>> {
    const entityId = args.entityId ? (decodeGlobalId(args.entityId)?.id ?? '00000000-0000-0000-0000-000000000000') : undefined;
    return toConnection(await auditService.list(ctx, { entityId, action: args.action }, pageSize(args), args.after));
  }

  @FieldResolver(() => String, { nullable: true, description: 'Username of who made the change.' })
  async actor(@Root() entry: AuditEntry, @Ctx() ctx: RequestContext): Promise<string | null> {
    return auditService.actorName(ctx, entry);
  }

  @FieldResolver(() => ID, { nullable: true, description: 'Global id of the record changed.' })
  entityId(@Root() entry: AuditEntry): string | null {
    return entry.entityId && entry.entityType ? toGlobalId(entry.entityType, entry.entityId) : entry.entityId;
  }
}
