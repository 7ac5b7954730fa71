import { Args, ArgsType, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { userService } from '../user/user.service';
import { ImportJob, ImportJobProblem, importJobKindLabels, importJobStateLabels } from './import-job.entity';
import { importJobService } from './import-job.service';

export const ImportJobConnection = Connection(ImportJob);
export const ImportJobProblemConnection = Connection(ImportJobProblem);

@ArgsType()
class ImportJobsArgs extends PageArgs {}

@ArgsType()
class ImportJobProblemsArgs extends PageArgs {}

@Resolver(() => ImportJob)
export class ImportJobResolver {
  @Query(() => ImportJobConnection, {
    description: '导入任务列表：您作为管理员可见的导入任务（上传者的管理范围在您的范围内），新的在前',
  })
  async importJobs(@Args() args: ImportJobsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ImportJob>> {
    return toConnection(await importJobService.list(ctx, pageSize(args), args.after));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() job: ImportJob): string {
    return toGlobalId('ImportJob', job.id);
  }

  @FieldResolver(() => String, { description: '导入内容的中文名（组织导入/用户导入）' })
  kindLabel(@Root() job: ImportJob): string {
    return importJobKindLabels[job.kind];
  }

  @FieldResolver(() => String, { description: '状态的中文名' })
  stateLabel(@Root() job: ImportJob): string {
    return importJobStateLabels[job.state];
  }

  @FieldResolver(() => ImportJobProblemConnection, {
    description: '发现的问题（逐行，含行号和列名），按文件顺序；校验未通过或回滚时才有',
  })
  async problems(
    @Root() job: ImportJob,
    @Args() args: ImportJobProblemsArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<ImportJobProblem>> {
    return toConnection(await importJobService.problems(ctx, job, pageSize(args), args.after));
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: '整个文件被拒绝的原因（如超出行数上限、文件无法读取、多次中断后回滚），按请求语言；逐行问题见 problems',
  })
  failure(@Root() job: ImportJob, @Ctx() ctx: RequestContext): string | null {
    return importJobService.failureMessage(ctx, job);
  }

  @FieldResolver(() => String, { nullable: true, description: '整个文件被拒绝的原因代码' })
  failureReason(@Root() job: ImportJob): string | null {
    return job.failure?.reason ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: '上传者姓名' })
  uploadedByName(@Root() job: ImportJob, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, job.createdBy);
  }

  @FieldResolver(() => Org, { nullable: true, description: '上传者的管理范围（其上级管理员也可查看此任务）' })
  scope(@Root() job: ImportJob, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, job.orgId);
  }
}
