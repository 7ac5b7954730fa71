import { MaxLength, MinLength } from 'class-validator';
import { Arg, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { RequestContext, loadViewer } from '../graphql/context';
import { DateTimeScalar } from '../graphql/scalars';
import { Session, authService } from './auth.service';

export enum ViewerKind {
  USER = 'USER',
  OPERATOR = 'OPERATOR',
}
registerEnumType(ViewerKind, { name: 'ViewerKind' });

@ObjectType({ description: 'Who is signed in: a tenant user with scoped roles, or a platform operator.' })
export class Viewer {
  @Field(() => ViewerKind) kind: ViewerKind;
  @Field() username: string;
  tenantId: string | null;
  userId: string | null;
}

@ObjectType()
export class AuthPayload {
  @Field({ description: 'JWT access token for the Authorization: Bearer header.' }) accessToken: string;
  @Field(() => String, { nullable: true, description: 'Single-use refresh token (rotates); null for platform operators.' })
  refreshToken: string | null;
  @Field(() => DateTimeScalar) expiresAt: Date;
  @Field(() => Viewer) viewer: Viewer;
}

@InputType()
export class LoginInput {
  @Field(() => String, { nullable: true, description: 'Tenant slug (jtj, szjg, …); omit to sign in as a platform operator.' })
  @MaxLength(40)
  tenant?: string | null;

  @Field() @MinLength(1) @MaxLength(64) username: string;
  @Field() @MinLength(1) @MaxLength(200) password: string;
}

@InputType()
export class RefreshTokenInput {
  @Field() @MaxLength(200) refreshToken: string;
}

function viewerOf(ctx: RequestContext): Viewer | null {
  const v = ctx.viewer;
  if (!v) return null;
  return v.kind === 'user'
    ? { kind: ViewerKind.USER, username: v.username, tenantId: v.tenantId, userId: v.userId }
    : { kind: ViewerKind.OPERATOR, username: v.username, tenantId: null, userId: null };
}

async function payload(ctx: RequestContext, session: Session): Promise<AuthPayload> {
  await loadViewer(
    ctx,
    session.operatorId ? { kind: 'operator', sub: session.operatorId } : { kind: 'user', sub: session.userId!, tid: session.tenantId! },
  );
  return { accessToken: session.accessToken, refreshToken: session.refreshToken, expiresAt: session.expiresAt, viewer: viewerOf(ctx)! };
}

@Resolver(() => Viewer)
export class AuthResolver {
  @Query(() => Viewer, { nullable: true, description: 'The signed-in viewer, or null without a token.' })
  viewer(@Ctx() ctx: RequestContext): Viewer | null {
    return viewerOf(ctx);
  }

  @Mutation(() => AuthPayload, { description: 'Sign in. Wrong tenant, username or password: one generic UNAUTHENTICATED error.' })
  async login(@Arg('input') input: LoginInput, @Ctx() ctx: RequestContext): Promise<AuthPayload> {
    return payload(ctx, await authService.login(ctx, input));
  }

  @Mutation(() => AuthPayload, { description: 'Trade a refresh token for a new pair; reusing a rotated token revokes its family.' })
  async refreshToken(@Arg('input') input: RefreshTokenInput, @Ctx() ctx: RequestContext): Promise<AuthPayload> {
    return payload(ctx, await authService.refresh(ctx, input.refreshToken));
  }

  @Mutation(() => Boolean, { description: 'Revoke the refresh token and its family.' })
  async logout(@Arg('input') input: RefreshTokenInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return authService.logout(ctx, input.refreshToken);
  }
}
