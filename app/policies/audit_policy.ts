import type User from '#models/user'
import { BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'

/** The audit trail: owners and admins read their account's; staff read every account's; viewers none. */
export default class AuditPolicy extends BasePolicy {
  view(user: User): AuthorizerResponse {
    return user.isStaff || user.canAct
  }

  viewEveryAccount(user: User): AuthorizerResponse {
    return user.isStaff
  }
}
