import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

@Entity('platform_operators')
export class PlatformOperator {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column()
  username: string;

  @Column({ name: 'display_name' })
  displayName: string;

  /** Never selected: the app role may write it but not read it (app_password_check verifies). */
  @Column({ name: 'password_hash', select: false })
  passwordHash: string;

  @Column()
  disabled: boolean;

  /** Failed sign-ins in a row, and the lock they set (OPERATOR_LOCKOUT_THRESHOLD, OPERATOR_LOCKOUT_MINUTES). */
  @Column('int', { name: 'failed_sign_ins' })
  failedSignIns: number;

  @Column('timestamptz', { name: 'locked_at', nullable: true })
  lockedAt: Date | null;

  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  /** Raised by a password reset (the operator CLI): access tokens carry the epoch they were issued under. */
  @Column('int', { name: 'session_epoch' })
  sessionEpoch: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@Entity('refresh_tokens')
export class RefreshToken {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId: string;

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  @Column('uuid', { name: 'family_id' })
  familyId: string;

  @Column({ name: 'token_hash' })
  tokenHash: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
