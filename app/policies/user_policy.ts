import type User from '#models/user'
import type { UserRole } from '#enums/user_role'
import { AuthorizationResponse, BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'

/**
 * The users page: everyone may see their colleagues; owners, admins and staff
 * manage them; only owners (and staff) make or unmake owners; nobody changes their own role.
 */
export default class UserPolicy extends BasePolicy {
  manage(user: User): AuthorizerResponse {
    return user.isStaff || user.canAct
  }

  add(user: User, role: UserRole): AuthorizerResponse {
    if (this.manage(user) !== true) return false
    if (role === 'owner' && !this.isOwner(user)) {
      return AuthorizationResponse.deny('Only an owner can add another owner.')
    }
    return true
  }

  changeRole(user: User, target: User, role: UserRole): AuthorizerResponse {
    if (this.manage(user) !== true) return false
    if (target.id === user.id) return AuthorizationResponse.deny('You cannot change your own role.')
    if ((target.role === 'owner' || role === 'owner') && !this.isOwner(user)) {
      return AuthorizationResponse.deny('Only an owner can grant or take away the owner role.')
    }
    return true
  }

  private isOwner(user: User) {
    return user.role === 'owner' || user.isStaff
  }
}
