import db from '@adonisjs/lucid/services/db'
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

/** Users of an account: created from the console (account by name) or the users page, and their roles. */
export default class UserService {
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
  ): Promise<UserChangeResult> {
    const email = input.email.trim().toLowerCase()
    if (await User.findBy('email', email)) {
      return { ok: false, reason: `A user with e-mail ${email} already exists.` }
    }
    const user = await User.create({
      accountId: account.id,
      email,
      password: input.password,
      role: input.role,
      fullName: input.fullName ?? null,
      isStaff: false,
    })
    return { ok: true, user }
  }

  /** A user of this account, or a 404. */
  async findInAccount(account: Account, userId: number | string) {
    return User.query().where('account_id', account.id).where('id', userId).firstOrFail()
  }

  /** Changes a user's role; an account always keeps an owner (who may change whose role is UserPolicy's rule). */
  async changeRole(user: User, role: UserRole): Promise<UserChangeResult> {
    if (user.role === 'owner' && role !== 'owner') {
      const owners = await User.query()
        .where('account_id', user.accountId)
        .where('role', 'owner')
        .count('* as total')
      if (Number(owners[0].$extras.total) <= 1) {
        return { ok: false, reason: 'An account needs at least one owner.' }
      }
    }
    user.role = role
    await user.save()
    return { ok: true, user }
  }
}
