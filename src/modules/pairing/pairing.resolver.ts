import { IsOptional, MaxLength, MinLength } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Order, OrderInput } from '../../graphql/order';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { userService } from '../user/user.service';
import { Pairing, PairingOrderField, PairingPerson, PairingPersonKind, PairingVisit, pairingPersonKindLabels } from './pairing.entity';
import { CadreRef, pairingService } from './pairing.service';

const USER_RULE = '仅本人和管理其所在组织的管理员可见，其他人为空';

@ObjectType({ description: '尚未结对的干部：在子树内组织担任领导小组成员、书记或上级党委负责人，且没有进行中的结对' })
class PairingCadre implements CadreRef {
  userId: string;
}

export const PairingPersonConnection = Connection(PairingPerson);
export const PairingConnection = Connection(Pairing);
export const PairingVisitConnection = Connection(PairingVisit);
export const PairingCadreConnection = Connection(PairingCadre);

@InputType({ description: '登记结对联系对象' })
class CreatePairingPersonInput {
  @Field(() => ID, { description: '对象登记所在的党组织' }) orgId: string;
  @Field({ description: '姓名（1–100 字）' }) @MinLength(1) @MaxLength(100) name: string;
  @Field(() => PairingPersonKind, { description: '类别：生活困难党员或群众' }) kind: PairingPersonKind;
  @Field({ description: '困难情况（1–2000 字）' }) @MinLength(1) @MaxLength(2000) difficulty: string;
  @Field(() => String, { nullable: true, description: '手机号或电子邮箱（可不填）：只保存打码形式' })
  @IsOptional()
  @MaxLength(100)
  contact?: string | null;
}

@InputType({ description: '建立结对' })
class CreatePairingInput {
  @Field(() => ID, { description: '结对干部：担任领导小组成员、书记或上级党委负责人的用户' }) cadreId: string;
  @Field(() => ID, { description: '结对联系对象' }) personId: string;
  @Field({ defaultValue: '', description: '结对说明（如“每季度至少走访一次”）' }) @IsOptional() @MaxLength(2000) note: string;
  @Field(() => DateScalar, { nullable: true, description: '开始日期（不晚于今天，默认今天）' }) startedOn?: Date | null;
}

@InputType({ description: '结束结对' })
class EndPairingInput {
  @Field(() => ID, { description: '结对关系' }) id: string;
}

@InputType({ description: '记录一次走访' })
class LogPairingVisitInput {
  @Field(() => ID, { description: '结对关系（进行中）' }) pairingId: string;
  @Field(() => DateScalar, { description: '走访日期（结对期间，不晚于今天）' }) visitedOn: Date;
  @Field({ description: '走访情况（1–5000 字）' }) @MinLength(1) @MaxLength(5000) note: string;
  @Field({ defaultValue: '', description: '帮扶内容' }) @IsOptional() @MaxLength(5000) helpGiven: string;
}

@ArgsType()
class PairingPersonsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织登记的对象；不填为您的全部权限范围' }) under?: string;
}

const PairingOrder = OrderInput<PairingOrderField>('PairingOrder', PairingOrderField, '结对列表的排序：字段和方向');

@ArgsType()
class PairingsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只列此子树内组织登记的对象的结对（及您本人的）；不填为您的全部权限范围' })
  under?: string;
  @Field(() => ID, { nullable: true, description: '只列此干部的结对' }) cadreId?: string;
  @Field(() => ID, { nullable: true, description: '只列在此党组织登记的对象的结对' }) orgId?: string;
  @Field({ defaultValue: true, description: '只列进行中的结对' }) activeOnly: boolean;
  @Field(() => Int, {
    nullable: true,
    description: '只列久未走访的：进行中、最近这么多天（1–3660）内没有走访的结对（从未走访的自开始日期算起）',
  })
  withoutVisitDays?: number;
  @Field(() => PairingOrder, { nullable: true, description: '排序；不填为按开始日期早的在前' }) orderBy?: Order<PairingOrderField>;
}

@ArgsType()
class PairingsWithoutVisitArgs extends PageArgs {
  @Field(() => Int, { description: '多少天内没有走访（1–3660）；从未走访的自开始日期算起' }) days: number;
  @Field(() => ID, { nullable: true, description: '只列此子树内组织登记的对象的结对；不填为您的全部权限范围' }) under?: string;
}

@ArgsType()
class CadresWithoutPairingArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: '只看在此子树内组织任职的干部；不填为您的全部权限范围' }) under?: string;
}

async function underOrg(ctx: RequestContext, under: string | undefined): Promise<Org | null> {
  return under ? orgService.getInScopeOrThrow(ctx, idOf('Org', under)) : null;
}

@Resolver(() => Pairing)
export class PairingResolver {
  @Query(() => PairingPersonConnection, { description: '结对联系对象：子树内组织登记的困难党员和群众，先登记的在前' })
  async pairingPersons(@Args() args: PairingPersonsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PairingPerson>> {
    return toConnection(await pairingService.persons(ctx, await underOrg(ctx, args.under), pageSize(args), args.after));
  }

  @Query(() => PairingConnection, {
    description: '结对关系：子树内组织登记的对象的结对，以及您本人的结对，可按干部、登记组织、是否久未走访筛选；默认开始早的在前',
  })
  async pairings(@Args() args: PairingsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Pairing>> {
    const filter = {
      under: await underOrg(ctx, args.under),
      cadreId: args.cadreId ? idOf('User', args.cadreId) : undefined,
      orgId: args.orgId ? (await orgService.getInScopeOrThrow(ctx, idOf('Org', args.orgId))).id : undefined,
      activeOnly: args.activeOnly,
      idleDays: args.withoutVisitDays ?? undefined,
      idleField: 'withoutVisitDays',
    };
    return toConnection(await pairingService.list(ctx, filter, pageSize(args), args.after, args.orderBy));
  }

  @Query(() => PairingConnection, { description: '久未走访的结对：进行中、最近 days 天内没有走访的结对（从未走访的自开始日期算起）' })
  async pairingsWithoutVisit(@Args() args: PairingsWithoutVisitArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Pairing>> {
    const filter = { under: await underOrg(ctx, args.under), idleDays: args.days };
    return toConnection(await pairingService.list(ctx, filter, pageSize(args), args.after));
  }

  @Query(() => PairingCadreConnection, {
    description: '每人结对联系1名以上：子树内担任领导小组成员、书记或上级党委负责人却没有进行中结对的干部，按用户名排序',
  })
  async cadresWithoutPairing(@Args() args: CadresWithoutPairingArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<CadreRef>> {
    return toConnection(await pairingService.cadresWithoutPairing(ctx, await underOrg(ctx, args.under), pageSize(args), args.after));
  }

  @Mutation(() => PairingPerson, { description: '登记结对联系对象（组织书记或上级负责人）' })
  async createPairingPerson(
    @Arg('input', { description: '登记结对联系对象' }) input: CreatePairingPersonInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PairingPerson> {
    return pairingService.createPerson(ctx, { ...input, orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => Pairing, { description: '建立结对：干部本人结对，或由其所在组织的管理员、领导小组成员安排' })
  async createPairing(@Arg('input', { description: '建立结对' }) input: CreatePairingInput, @Ctx() ctx: RequestContext): Promise<Pairing> {
    return pairingService.pair(ctx, {
      cadreId: idOf('User', input.cadreId),
      personId: idOf('PairingPerson', input.personId, 'Person'),
      note: input.note ?? '',
      startedOn: input.startedOn ? toDateString(input.startedOn) : null,
    });
  }

  @Mutation(() => Pairing, { description: '结束结对（结对干部或对象所在组织的负责人）' })
  async endPairing(@Arg('input', { description: '结束结对' }) input: EndPairingInput, @Ctx() ctx: RequestContext): Promise<Pairing> {
    return pairingService.end(ctx, idOf('Pairing', input.id));
  }

  @Mutation(() => PairingVisit, { description: '记录走访及帮扶内容（结对干部，或对象所在组织的负责人代为记录）' })
  async logPairingVisit(
    @Arg('input', { description: '记录一次走访' }) input: LogPairingVisitInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PairingVisit> {
    return pairingService.logVisit(ctx, {
      pairingId: idOf('Pairing', input.pairingId),
      visitedOn: toDateString(input.visitedOn),
      note: input.note,
      helpGiven: input.helpGiven ?? '',
    });
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() p: Pairing): string {
    return toGlobalId('Pairing', p.id);
  }

  @FieldResolver(() => ID, { description: '结对干部的用户编号：按干部筛选结对时作为 cadreId 传入' })
  cadreId(@Root() p: Pairing): string {
    return toGlobalId('User', p.cadreId);
  }

  @FieldResolver(() => String, { nullable: true, description: '结对干部的姓名' })
  async cadreName(@Root() p: Pairing, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, p.cadreId);
  }

  @FieldResolver(() => User, { nullable: true, description: `结对干部的账号：${USER_RULE}（姓名见 cadreName）` })
  async cadre(@Root() p: Pairing, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, p.cadreId);
  }

  @FieldResolver(() => PairingPerson, { description: '结对联系对象' })
  async person(@Root() p: Pairing, @Ctx() ctx: RequestContext): Promise<PairingPerson> {
    return pairingService.personOf(ctx, p);
  }

  @FieldResolver(() => Boolean, { description: '是否进行中（尚未结束）' })
  active(@Root() p: Pairing): boolean {
    return p.endedOn === null;
  }

  @FieldResolver(() => PairingVisitConnection, { description: '走访记录，最近的在前' })
  async visits(@Root() p: Pairing, @Args() args: PageArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<PairingVisit>> {
    return toConnection(await pairingService.visits(ctx, p, pageSize(args), args.after));
  }

  @FieldResolver(() => DateScalar, { nullable: true, description: '最近一次走访的日期；从未走访为空' })
  lastVisitOn(@Root() p: Pairing): string | null {
    return pairingService.lastVisitOn(p);
  }
}

@Resolver(() => PairingPerson)
export class PairingPersonResolver {
  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() p: PairingPerson): string {
    return toGlobalId('PairingPerson', p.id);
  }

  @FieldResolver(() => String, { description: '类别的中文名' })
  kindLabel(@Root() p: PairingPerson): string {
    return pairingPersonKindLabels[p.kind];
  }

  @FieldResolver(() => Org, { nullable: true, description: '登记所在的党组织；不在您的权限范围内时为空（跨组织结对的干部）' })
  async org(@Root() p: PairingPerson, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, p.orgId);
  }
}

@Resolver(() => PairingVisit)
export class PairingVisitResolver {
  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() v: PairingVisit): string {
    return toGlobalId('PairingVisit', v.id);
  }

  @FieldResolver(() => String, { nullable: true, description: '记录人的姓名' })
  async recordedByName(@Root() v: PairingVisit, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, v.recordedBy);
  }

  @FieldResolver(() => User, { nullable: true, description: `记录人的账号：${USER_RULE}（姓名见 recordedByName）` })
  async recordedBy(@Root() v: PairingVisit, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, v.recordedBy);
  }
}

@Resolver(() => PairingCadre)
export class PairingCadreResolver {
  @FieldResolver(() => ID, { description: '干部的用户编号：建立结对时作为 cadreId 传入' })
  userId(@Root() c: CadreRef): string {
    return toGlobalId('User', c.userId);
  }

  @FieldResolver(() => String, { nullable: true, description: '干部的姓名' })
  async name(@Root() c: CadreRef, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, c.userId);
  }

  @FieldResolver(() => User, { nullable: true, description: `干部的账号：${USER_RULE}（姓名见 name）` })
  async user(@Root() c: CadreRef, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, c.userId);
  }
}
