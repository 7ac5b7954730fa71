import { MaxLength, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Order, OrderInput } from '../../graphql/order';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { userService } from '../user/user.service';
import {
  ServiceRequest,
  ServiceRequestDirection,
  ServiceRequestOrderField,
  ServiceRequestState,
  serviceRequestStateLabels,
} from './service-request.entity';
import { serviceRequestService } from './service-request.service';

export const ServiceRequestConnection = Connection(ServiceRequest);

@InputType({ description: '提出服务请求' })
class RaiseServiceRequestInput {
  @Field(() => ID, { description: '提出请求的下级党组织；由其直接上级答复' }) fromOrgId: string;
  @Field({ description: '事由' }) @MinLength(1) @MaxLength(200) title: string;
  @Field({ description: '具体情况' }) @MinLength(1) @MaxLength(20000) description: string;
}

@InputType({ description: '答复服务请求' })
class AnswerServiceRequestInput {
  @Field(() => ID, { description: '服务请求' }) id: string;
  @Field({ description: '答复内容' }) @MinLength(1) @MaxLength(20000) answer: string;
}

const ServiceRequestOrder = OrderInput<ServiceRequestOrderField>(
  'ServiceRequestOrder',
  ServiceRequestOrderField,
  '服务请求列表的排序：字段和方向',
);

@ArgsType()
class ServiceRequestsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织提出或被请求的；不填为您的全部权限范围' }) under?: string;
  @Field(() => ServiceRequestState, { nullable: true, description: '只列此状态' }) state?: ServiceRequestState;
  @Field(() => Boolean, { nullable: true, description: 'true 只列超过答复期限仍未答复的' }) overdue?: boolean;
  @Field(() => ServiceRequestDirection, {
    nullable: true,
    description: '只列我方提出的，或只列向我方提出的（相对于您的权限范围或 under 子树）；不填为两者',
  })
  direction?: ServiceRequestDirection;
  @Field(() => ServiceRequestOrder, { nullable: true, description: '排序；不填为按答复期限近的在前' })
  orderBy?: Order<ServiceRequestOrderField>;
}

@Resolver(() => ServiceRequest)
export class ServiceRequestResolver {
  @Query(() => ServiceRequestConnection, {
    description:
      '服务请求列表：子树内组织提出或被请求的，可按状态、方向（我方提出或向我方提出）筛选，overdue: true 只列超时未答复的；默认答复期限近的在前',
  })
  async serviceRequests(@Args() args: ServiceRequestsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<ServiceRequest>> {
    const under = args.under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', args.under)) : null;
    const filter = { under, state: args.state, overdue: args.overdue, direction: args.direction };
    return toConnection(await serviceRequestService.list(ctx, filter, pageSize(args), args.after, args.orderBy));
  }

  @Mutation(() => ServiceRequest, { description: '提出服务请求（上级服务下级）：下级组织的书记或其上级负责人向直接上级提出' })
  async raiseServiceRequest(
    @Arg('input', { description: '提出请求的组织、事由和具体情况' }) input: RaiseServiceRequestInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceRequest> {
    return serviceRequestService.raise(ctx, { ...input, fromOrgId: idOf('Org', input.fromOrgId) });
  }

  @Mutation(() => ServiceRequest, { description: '答复服务请求（被请求的上级组织的负责人）' })
  async answerServiceRequest(
    @Arg('input', { description: '服务请求和答复内容' }) input: AnswerServiceRequestInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ServiceRequest> {
    return serviceRequestService.answer(ctx, idOf('ServiceRequest', input.id, 'Service request'), input.answer);
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() r: ServiceRequest): string {
    return toGlobalId('ServiceRequest', r.id);
  }

  @FieldResolver(() => String, { description: '状态的中文名（待办理/已答复）' })
  stateLabel(@Root() r: ServiceRequest): string {
    return serviceRequestStateLabels[r.state];
  }

  @FieldResolver(() => Boolean, { description: '是否超时：已过答复期限仍未答复' })
  overdue(@Root() r: ServiceRequest): boolean {
    return r.state === ServiceRequestState.OPEN && r.dueAt.getTime() < Date.now();
  }

  @FieldResolver(() => String, { nullable: true, description: '提出人姓名' })
  async raisedByName(@Root() r: ServiceRequest, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, r.createdBy);
  }

  @FieldResolver(() => String, { nullable: true, description: '答复人姓名；未答复为空' })
  async answeredByName(@Root() r: ServiceRequest, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, r.answeredBy);
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: '提出请求的党组织；不在您可见范围内（已调出您的权限范围）时为空',
  })
  async fromOrg(@Root() r: ServiceRequest, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.fromOrgId);
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: '被请求的上级党组织；不在您可见范围内（提出请求的组织已调离它）时为空',
  })
  async toOrg(@Root() r: ServiceRequest, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.toOrgId);
  }
}
