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

  remove(user: User, target: User): AuthorizerResponse {
    if (this.manage(user) !== true) return false
    if (target.id === user.id) return AuthorizationResponse.deny('You cannot remove yourself.')
    if (target.role === 'owner' && !this.isOwner(user)) {
      return AuthorizationResponse.deny('Only an owner can remove an owner.')
    }
    return true
  }

  /** Clearing someone's second factor lets in whoever has their password: owners (and staff) only. */
  resetTwoFactor(user: User, target: User): AuthorizerResponse {
    if (!this.isOwner(user))
      return AuthorizationResponse.deny('Only an owner can reset a second factor.')
    if (target.id === user.id) {
      return AuthorizationResponse.deny('Turn your own second factor off on your two-factor page.')
    }
    return true
  }

  /** Requiring a second factor for everyone: owners (and staff). */
  requireTwoFactor(user: User): AuthorizerResponse {
    return this.isOwner(user)
  }

  private isOwner(user: User) {
    return user.role === 'owner' || user.isStaff
  }
}
