import Account from '#models/account'
import type User from '#models/user'

/** Which account a request works in, and the staff's view over all of them. */
export default class AccountService {
  /**
   * The user's own account, or for staff the account they switched into (if it still exists).
   */
  async currentFor(user: User, actingAccountId: unknown): Promise<Account> {
    if (user.isStaff && typeof actingAccountId === 'number' && actingAccountId !== user.accountId) {
      const acting = await Account.find(actingAccountId)
      if (acting) return acting
    }
    // The session's user comes with their account (config/auth.ts): no second query.
    const own = user.$preloaded.account
    if (own instanceof Account && own.id === user.accountId) return own
    return Account.findOrFail(user.accountId)
  }

  async listForStaff() {
    return Account.query().withCount('products').withCount('users').orderBy('name')
  }

  async findOrFail(id: number) {
    return Account.findOrFail(id)
  }
}
