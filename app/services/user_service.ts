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

export type CreateUserResult = { ok: true; user: User; account: Account; accountCreated: boolean } | { ok: false; reason: string }

/** Creating users (console and, later, the users page): the account is found by name or created. */
export default class UserService {
  async create(input: CreateUserInput): Promise<CreateUserResult> {
    const email = input.email.trim().toLowerCase()
    if (await User.findBy('email', email)) {
      return { ok: false, reason: `A user with e-mail ${email} already exists.` }
    }
    return db.transaction(async (trx) => {
      let account = await Account.query({ client: trx }).where('name', input.accountName).first()
      const accountCreated = !account
      if (!account) {
        account = await Account.create({ name: input.accountName, plan: input.plan ?? defaultPlan }, { client: trx })
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
}
