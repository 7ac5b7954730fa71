import { MaxLength, MinLength } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { idOf, toGlobalId } from '../../graphql/relay';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { ServiceRequest, ServiceRequestState } from './service-request.entity';
import { serviceRequestService } from './service-request.service';

@InputType()
class RaiseServiceRequestInput {
  @Field(() => ID, { description: 'The subordinate org asking; its parent answers.' }) fromOrgId: string;
  @Field() @MinLength(1) @MaxLength(200) title: string;
  @Field() @MinLength(1) @MaxLength(20000) description: string;
}

@InputType()
class AnswerServiceRequestInput {
  @Field(() => ID) id: string;
  @Field() @MinLength(1) @MaxLength(20000) answer: string;
}

@Resolver(() => ServiceRequest)
export class ServiceRequestResolver {
  @Query(() => [ServiceRequest], {
    description: 'Requests raised by or to orgs in the subtree; overdue: true lists the unanswered past their limit.',
  })
  async serviceRequests(
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true }) under?: string,
    @Arg('state', () => ServiceRequestState, { nullable: true }) state?: ServiceRequestState,
    @Arg('overdue', () => Boolean, { nullable: true }) overdue?: boolean,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
  ): Promise<ServiceRequest[]> {
    const org = under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', under)) : null;
    return serviceRequestService.list(ctx, { under: org, state, overdue }, Math.min(Math.max(first, 1), 100));
  }

  @Mutation(() => ServiceRequest, { description: 'A subordinate org asks its superior for help (上级服务下级).' })
  async raiseServiceRequest(@Arg('input') input: RaiseServiceRequestInput, @Ctx() ctx: RequestContext): Promise<ServiceRequest> {
    return serviceRequestService.raise(ctx, { ...input, fromOrgId: idOf('Org', input.fromOrgId) });
  }

  @Mutation(() => ServiceRequest)
  async answerServiceRequest(@Arg('input') input: AnswerServiceRequestInput, @Ctx() ctx: RequestContext): Promise<ServiceRequest> {
    return serviceRequestService.answer(ctx, idOf('ServiceRequest', input.id, 'Service request'), input.answer);
  }

  @FieldResolver(() => ID)
  id(@Root() r: ServiceRequest): string {
    return toGlobalId('ServiceRequest', r.id);
  }

  @FieldResolver(() => Boolean, { description: 'Unanswered past its time limit.' })
  overdue(@Root() r: ServiceRequest): boolean {
    return r.state === ServiceRequestState.OPEN && r.dueAt.getTime() < Date.now();
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: 'The asking org; null when it lies outside what you may read (it moved out of your scope).',
  })
  async fromOrg(@Root() r: ServiceRequest, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.fromOrgId);
  }

  @FieldResolver(() => Org, {
    nullable: true,
    description: 'The org asked; null when it lies outside what you may read (the asking org moved away from it).',
  })
  async toOrg(@Root() r: ServiceRequest, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.toOrgId);
  }
}
