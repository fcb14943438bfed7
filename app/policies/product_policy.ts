import type User from '#models/user'
import type Product from '#models/product'
import { BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'

/**
 * Products: members of the owning account (and staff) see them; owners, admins
 * and staff act on them; viewers never act.
 */
export default class ProductPolicy extends BasePolicy {
  view(user: User, product: Product): AuthorizerResponse {
    return user.isStaff || user.accountId === product.accountId
  }

  act(user: User, product: Product): AuthorizerResponse {
    return this.view(user, product) === true && (user.isStaff || user.canAct)
  }

  create(user: User): AuthorizerResponse {
    return user.isStaff || user.canAct
  }
}
