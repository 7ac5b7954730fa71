import { Max, Min } from 'class-validator';
import { Arg, Args, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { fetchNode } from '../../graphql/node-fetch';
import { Connection, ConnectionShape, Node, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { Evaluation } from '../evaluation/evaluation.entity';
import { CriterionScore } from '../evaluation/evaluation.resolver';
import { SourceRecord } from './prefill.entity';
import { prefillService } from './prefill.service';

export const SourceRecordConnection = Connection(SourceRecord);

@InputType({ description: '预填考评：按指标绑定的数据来源统计平台中已有的记录并填入得分' })
class PrefillEvaluationInput {
  @Field(() => ID, { description: '考评（填报中或已退回）' }) evaluationId: string;
  @Field(() => Int, { description: '您读到的版本号；已被他人修改则返回 CONFLICT（VERSION_MISMATCH）' })
  @Min(1)
  @Max(2_000_000_000)
  expectedVersion: number;
  @Field(() => DateScalar, { nullable: true, description: '统计期间的起始日期；不填为创建活动的开始日期' }) from?: Date | null;
  @Field(() => DateScalar, { nullable: true, description: '统计期间的截止日期；不填为今天' }) to?: Date | null;
}

/** A criterion's score as the evaluation shows it (its evaluation and criterion name what was prefilled). */
type ScoreNode = CriterionScore;

@Resolver(() => Evaluation)
export class PrefillResolver {
  @Mutation(() => Evaluation, {
    description:
      '预填考评（一次录入）：绑定了数据来源的指标按平台中已有的记录（结对、践诺、台帐、简报、服务请求、群众评议）统计填分，并把统计到的记录链接为佐证；考评人修正过的得分保留，计算值另存可查',
  })
  async prefillEvaluation(
    @Arg('input', { description: '考评和版本号' }) input: PrefillEvaluationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Evaluation> {
    return prefillService.prefill(ctx, {
      evaluationId: idOf('Evaluation', input.evaluationId),
      expectedVersion: input.expectedVersion,
      from: input.from ? toDateString(input.from) : undefined,
      to: input.to ? toDateString(input.to) : undefined,
    });
  }
}

@Resolver(() => CriterionScore)
export class CriterionScoreSourceResolver {
  @FieldResolver(() => Float, {
    nullable: true,
    description: '预填时按数据来源算出的数字（记录数，或群众评议满意率）；未预填为空。考评人修正后仍保留，与 value 对照',
  })
  async sourceFigure(@Root() node: ScoreNode, @Ctx() ctx: RequestContext): Promise<number | null> {
    return (await prefillService.figureOf(ctx, node.evaluationId, node.criterion.id))?.figure ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: '预填的说明：统计了什么、哪段时间、多少条；未预填为空' })
  async sourceNote(@Root() node: ScoreNode, @Ctx() ctx: RequestContext): Promise<string | null> {
    return (await prefillService.figureOf(ctx, node.evaluationId, node.criterion.id))?.note ?? null;
  }

  @FieldResolver(() => DateTimeScalar, { nullable: true, description: '最近一次预填的时间；未预填为空' })
  async sourceComputedAt(@Root() node: ScoreNode, @Ctx() ctx: RequestContext): Promise<Date | null> {
    return (await prefillService.figureOf(ctx, node.evaluationId, node.criterion.id))?.computedAt ?? null;
  }

  @FieldResolver(() => Boolean, { description: '得分是否经考评人修正：录入值与按预填数字应得的值不同（未预填为 false）' })
  async corrected(@Root() node: ScoreNode, @Ctx() ctx: RequestContext): Promise<boolean> {
    const prefill = await prefillService.figureOf(ctx, node.evaluationId, node.criterion.id);
    return prefill ? prefillService.corrected(node.criterion, prefill, node.value) : false;
  }

  @FieldResolver(() => SourceRecordConnection, { description: '预填时统计到的记录（得分的来源），日期新的在前；未预填为空列表' })
  async sourceRecords(@Root() node: ScoreNode, @Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<SourceRecord>> {
    return toConnection(await prefillService.records(ctx, node.evaluationId, node.criterion.id, pageSize(args), args.after));
  }
}

@Resolver(() => SourceRecord)
export class SourceRecordResolver {
  @FieldResolver(() => ID, { description: '该记录的全局编号（可用 node(id:) 读取）' })
  recordId(@Root() r: SourceRecord): string {
    return toGlobalId(r.recordType, r.recordId);
  }

  @FieldResolver(() => Node, { nullable: true, description: '该记录本身（按它自己的可见范围；您看不到时为空）' })
  async record(@Root() r: SourceRecord, @Ctx() ctx: RequestContext): Promise<object | null> {
    return fetchNode(ctx, toGlobalId(r.recordType, r.recordId));
  }
}
