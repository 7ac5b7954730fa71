import { ArrayMaxSize } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import { Viewer } from '../../auth/auth.resolver';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, Node, PageArgs, idOf, pageSize, toConnection } from '../../graphql/relay';
// The registry of Node fetchers: read when a subject resolves (after every module has loaded), never at import.
import * as registry from '..';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { TaskFilter, taskService, taskTitle } from './task.service';
import { Task, TaskCount, TaskKind, taskActionLabels, taskKindLabels } from './task.types';

export const TaskConnection = Connection(Task);

@ArgsType()
class TasksArgs extends PageArgs {
  @Field(() => [TaskKind], { nullable: true, description: '只列这些类别的待办；不填为全部类别' })
  @ArrayMaxSize(50)
  kind?: TaskKind[] | null;

  @Field(() => ID, { nullable: true, description: '只列此党组织及其下级组织的待办（须在您的权限范围内或为其上级）' })
  orgId?: string | null;
}

async function filterOf(ctx: RequestContext, kinds: TaskKind[] | null | undefined, orgId: string | null | undefined): Promise<TaskFilter> {
  const org = orgId ? await orgService.getOrThrow(ctx, idOf('Org', orgId)) : null;
  return { kinds: kinds ?? null, underPath: org?.path ?? null };
}

const EMPTY_PAGE = { nodes: [], hasNextPage: false, hasPreviousPage: false, cursorOf: () => '', totalCount: async () => 0 };

/** 我的待办: fields of the core Viewer type, for a signed-in tenant user (an operator has none). */
@Resolver(() => Viewer)
export class ViewerTaskResolver {
  @FieldResolver(() => TaskConnection, {
    description:
      '我的待办：当前用户须处理的全部事项（应报材料、待填报或审核的评议、待整改或销号的问题、民意、服务请求、公示异议、通报、结对走访、承诺），按办理期限排序（无期限的在后），再按类别；办理后即不再出现',
  })
  async tasks(@Root() viewer: Viewer, @Args() args: TasksArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Task>> {
    const user = ctx.viewer;
    if (!viewer.userId || user?.kind !== 'user') return toConnection<Task>(EMPTY_PAGE);
    const filter = await filterOf(ctx, args.kind, args.orgId);
    return toConnection(await taskService.list(ctx, user, filter, pageSize(args), args.after));
  }

  @FieldResolver(() => [TaskCount], { description: '待办数量：按类别统计（每个类别一项，没有待办的为 0），与 tasks 的条件相同' })
  async taskCounts(
    @Root() viewer: Viewer,
    @Ctx() ctx: RequestContext,
    @Arg('orgId', () => ID, { nullable: true, description: '只统计此党组织及其下级组织的待办' }) orgId?: string | null,
  ): Promise<TaskCount[]> {
    const user = ctx.viewer;
    if (!viewer.userId || user?.kind !== 'user') return [];
    return taskService.counts(ctx, user, await filterOf(ctx, null, orgId));
  }
}

@Resolver(() => Task)
export class TaskResolver {
  @FieldResolver(() => ID, { description: '待办编号：同一事项始终相同（可作列表的键；不能用 node 查询）' })
  id(@Root() task: Task): string {
    return Buffer.from(`Task:${task.kind}:${task.key}`, 'utf8').toString('base64url');
  }

  @FieldResolver(() => String, { description: '标题：如“组织：节点名称”、被评议组织及评议类型、整改问题、通报标题' })
  async title(@Root() task: Task, @Ctx() ctx: RequestContext): Promise<string> {
    const orgName = task.orgName ?? (await orgService.findById(ctx, task.orgId))?.name ?? '';
    return taskTitle(task, orgName);
  }

  @FieldResolver(() => String, { description: '待办类别的中文名' })
  kindLabel(@Root() task: Task): string {
    return taskKindLabels[task.kind];
  }

  @FieldResolver(() => String, { description: '须执行的操作的中文名' })
  actionLabel(@Root() task: Task): string {
    return taskActionLabels[task.action];
  }

  @FieldResolver(() => Node, {
    nullable: true,
    description:
      '所涉对象（节点、报送材料、评议、整改、民意、服务请求、公示异议、典型、通报、结对、承诺），与 node(id:) 读取的相同；不在您的权限范围内时为空',
  })
  async subject(@Root() task: Task, @Ctx() ctx: RequestContext): Promise<object | null> {
    return ctx
      .loader<string, object | null>('task.subject', async (keys) =>
        Promise.all(
          keys.map((key) => {
            const [type, id] = key.split(':');
            const fetch = Object.prototype.hasOwnProperty.call(registry.moduleNodes, type) ? registry.moduleNodes[type] : undefined;
            return fetch ? fetch(ctx, id) : null;
          }),
        ),
      )
      .load(`${task.subjectType}:${task.subjectId}`);
  }

  @FieldResolver(() => Org, { nullable: true, description: '所涉党组织（须报送、被评议、整改责任、被请求答复、阅知通报的组织等）' })
  async org(@Root() task: Task, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, task.orgId);
  }
}
