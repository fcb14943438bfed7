import { inject } from '@adonisjs/core'
import User from '#models/user'
import AuditService from '#services/audit_service'
import type {
  PasswordChanged,
  RecoveryCodesRenewed,
  SignInFailed,
  TwoFactorEnrolled,
  TwoFactorPolicyChanged,
  TwoFactorReset,
  UserRemoved,
} from '#events/auth_events'

/** Sign-in and account-security events (app/events/auth_events.ts) written to the audit trail. */
@inject()
export default class AuditAuthEvents {
  constructor(protected audit: AuditService) {}

  async signInFailed(event: SignInFailed) {
    await this.audit.signInFailed(event)
  }

  async twoFactorEnrolled(event: TwoFactorEnrolled) {
    await this.ownChange(event, 'user.two_factor_enrolled')
  }

  async recoveryCodesRenewed(event: RecoveryCodesRenewed) {
    await this.ownChange(event, 'user.recovery_codes_renewed')
  }

  async twoFactorReset(event: TwoFactorReset) {
    const accountId = await this.accountOf(event.userId)
    await this.audit.record(
      await this.audit.webActorOf(event.actorId, event.ip, accountId),
      'user.two_factor_reset',
      { accountId, details: { email: await this.emailOf(event.userId) } }
    )
  }

  async twoFactorPolicyChanged(event: TwoFactorPolicyChanged) {
    await this.audit.record(
      await this.audit.webActorOf(event.actorId, event.ip, event.accountId),
      'account.two_factor_policy',
      { accountId: event.accountId, details: { required: event.required } }
    )
  }

  async passwordChanged(event: PasswordChanged) {
    const accountId = await this.accountOf(event.userId)
    await this.audit.record(
      await this.audit.webActorOf(event.userId, event.ip, accountId),
      'user.password_changed',
      { accountId, details: { sessionsEnded: event.sessionsEnded } }
    )
  }

  async userRemoved(event: UserRemoved) {
    await this.audit.record(
      await this.audit.webActorOf(event.actorId, event.ip, event.accountId),
      'user.removed',
      { accountId: event.accountId, details: { email: event.email } }
    )
  }

  /** A person changed their own sign-in: they are the actor, in their own account. */
  private async ownChange(
    event: TwoFactorEnrolled | RecoveryCodesRenewed,
    action: 'user.two_factor_enrolled' | 'user.recovery_codes_renewed'
  ) {
    const accountId = await this.accountOf(event.userId)
    await this.audit.record(
      await this.audit.webActorOf(event.userId, event.ip, accountId),
      action,
      {
        accountId,
      }
    )
  }

  protected async accountOf(userId: number) {
    return (await User.find(userId))?.accountId ?? null
  }

  protected async emailOf(userId: number) {
    return (await User.find(userId))?.email ?? null
  }
}
