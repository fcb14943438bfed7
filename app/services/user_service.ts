import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import hash from '@adonisjs/core/services/hash'
import UserSessionService from '#services/user_session_service'
import Account from '#models/account'
import User from '#models/user'
import { defaultPlan, type PlanName } from '#config/plans'
import type { UserRole } from '#enums/user_role'

export interface CreateUserInput {
  email: string
  password: string
  accountName: string
  role: UserRole
  isStaff?: boolean
  fullName?: string | null
  plan?: PlanName
}

export type CreateUserResult =
  | { ok: true; user: User; account: Account; accountCreated: boolean }
  | { ok: false; reason: string }

export type UserChangeResult = { ok: true; user: User } | { ok: false; reason: string }

/** `user` is null when the e-mail belonged to another account: nothing was created. */
export type AddUserResult =
  { ok: true; user: User | null; email: string; role: UserRole } | { ok: false; reason: string }

export type EndingChangeResult =
  { ok: true; user: User; sessionsEnded: number } | { ok: false; reason: string }

/** Users of an account: created from the console (account by name) or the users page, and their roles. */
@inject()
export default class UserService {
  constructor(protected sessions: UserSessionService) {}

  /** Console: the account is found by name or created on the given plan. */
  async create(input: CreateUserInput): Promise<CreateUserResult> {
    const email = input.email.trim().toLowerCase()
    if (await User.findBy('email', email)) {
      return { ok: false, reason: `A user with e-mail ${email} already exists.` }
    }
    return db.transaction(async (trx) => {
      let account = await Account.query({ client: trx }).where('name', input.accountName).first()
      const accountCreated = !account
      if (!account) {
        account = await Account.create(
          { name: input.accountName, plan: input.plan ?? defaultPlan },
          { client: trx }
        )
      }
      const user = await User.create(
        {
          accountId: account.id,
          email,
          password: input.password,
          role: input.role,
          isStaff: input.isStaff ?? false,
          fullName: input.fullName ?? null,
        },
        { client: trx }
      )
      return { ok: true as const, user, account, accountCreated }
    })
  }

  async listFor(account: Account) {
    return User.query().where('account_id', account.id).orderBy('email')
  }

  /** The users page: a new user of this account (who may add whom is UserPolicy's rule). */
  async addToAccount(
    account: Account,
    input: { email: string; password: string; role: UserRole; fullName?: string | null }
  ): Promise<AddUserResult> {
    const email = input.email.trim().toLowerCase()
    const existing = await User.findBy('email', email)
    if (existing && existing.accountId === account.id) {
      return { ok: false, reason: `${email} is already a user of this account.` }
    }
    if (existing) {
      // Another account's user: answered like a new user (same status, same words, a hash's
      // worth of time), so the users page does not tell which e-mails are taken elsewhere.
      await hash.make(input.password)
      return { ok: true, user: null, email, role: input.role }
    }
    const user = await User.create({
      accountId: account.id,
      email,
      password: input.password,
      role: input.role,
      fullName: input.fullName ?? null,
      isStaff: false,
    })
    return { ok: true, user, email, role: input.role }
  }

  /** A user of this account, or a 404. */
  async findInAccount(account: Account, userId: number | string) {
    return User.query().where('account_id', account.id).where('id', userId).firstOrFail()
  }

  /** Changes a user's role; an account always keeps an owner (who may change whose role is UserPolicy's rule). */
  async changeRole(user: User, role: UserRole): Promise<UserChangeResult> {
    if (user.role === 'owner' && role !== 'owner' && (await this.ownerCount(user.accountId)) <= 1) {
      return { ok: false, reason: 'An account needs at least one owner.' }
    }
    user.role = role
    await user.save()
    return { ok: true, user }
  }

  /**
   * Changes one's own password (the current one is checked first) and ends every other
   * session of the user, in every process; the session that made the change stays.
   */
  async changePassword(
    user: User,
    input: { currentPassword: string; password: string },
    currentSessionId: string
  ): Promise<EndingChangeResult> {
    if (!(await user.verifyPassword(input.currentPassword))) {
      return { ok: false, reason: 'The current password is not right.' }
    }
    user.password = input.password
    await user.save()
    const sessionsEnded = await this.sessions.endAll(user.id, currentSessionId)
    return { ok: true, user, sessionsEnded }
  }

  /**
   * Removes a user from their account and ends their sessions at once. An account always
   * keeps an owner (who may remove whom is UserPolicy's rule).
   */
  async remove(user: User): Promise<EndingChangeResult> {
    if (user.role === 'owner' && (await this.ownerCount(user.accountId)) <= 1) {
      return { ok: false, reason: 'An account needs at least one owner.' }
    }
    await user.delete()
    const sessionsEnded = await this.sessions.endAll(user.id)
    return { ok: true, user, sessionsEnded }
  }

  /** Ends every session of a user (after an owner resets their second factor, say). */
  async endSessions(user: User, exceptSessionId?: string) {
    return this.sessions.endAll(user.id, exceptSessionId)
  }

  /**
   * An owner's switch. Turned on, it signs out everyone without a second factor (but the
   * owner who turned it on), so each sets one up at their next sign-in. Answers how many
   * sessions ended.
   */
  async requireTwoFactor(account: Account, required: boolean, actorId: number) {
    account.requiresTwoFactor = required
    await account.save()
    if (!required) return 0
    const withoutSecondFactor = await User.query()
      .where('account_id', account.id)
      .whereNull('two_factor_enabled_at')
      .whereNot('id', actorId)
      .select('id')
    let ended = 0
    for (const user of withoutSecondFactor) ended += await this.sessions.endAll(user.id)
    return ended
  }

  protected async ownerCount(accountId: number) {
    const owners = await User.query()
      .where('account_id', accountId)
      .where('role', 'owner')
      .count('* as total')
    return Number(owners[0].$extras.total)
  }
}
