import type User from '#models/user'
import { BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'

/** The users page: everyone may see their colleagues; owners, admins and staff manage them. */
export default class UserPolicy extends BasePolicy {
  manage(user: User): AuthorizerResponse {
    return user.isStaff || user.canAct
  }
}
