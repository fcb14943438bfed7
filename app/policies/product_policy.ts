import type User from '#models/user'
import type Product from '#models/product'
import type Account from '#models/account'
import { AuthorizationResponse, BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'

/**
 * Products: members of the owning account (and staff) see them; owners, admins
 * and staff act on them; viewers never act; only staff diagnose and release.
 */
export default class ProductPolicy extends BasePolicy {
  view(user: User, product: Product): AuthorizerResponse {
    return user.isStaff || user.accountId === product.accountId
  }

  act(user: User, product: Product): AuthorizerResponse {
    return this.view(user, product) === true && this.create(user) === true
  }

  create(user: User): AuthorizerResponse {
    return user.isStaff || user.canAct
  }

  /** Acting on some product of the account, before the product is known (a Slack command's first check). */
  actInAccount(user: User, account: Account): AuthorizerResponse {
    return (user.isStaff || user.accountId === account.id) && this.create(user) === true
  }

  /** Diagnostic Mode: a staff trace of a record of this product. */
  diagnose(user: User, product: Product): AuthorizerResponse {
    if (!user.isStaff) return AuthorizationResponse.deny('Staff only', 403)
    return this.view(user, product)
  }

  release(user: User, product: Product): AuthorizerResponse {
    return this.diagnose(user, product)
  }
}
