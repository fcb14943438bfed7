/*
| What sign-in and the users page announce, for the audit trail (and anything else) to
| record. Payloads carry ids and the request's address; never a password, code or secret.
*/

/** Where a person acted from: the request's IP address. */
export interface ActorOrigin {
  ip: string
}

/** A sign-in step failed: a wrong password, a wrong/replayed code, or a throttled try. */
export interface SignInFailed extends ActorOrigin {
  step: 'password' | 'two_factor'
  reason: 'invalid' | 'throttled' | 'replayed'
  email: string
  userId: number | null
}

/** A person signed in (both steps done where the second applies). */
export interface SignedIn extends ActorOrigin {
  userId: number
  withSecondFactor: 'totp' | 'recovery_code' | null
}

export interface SignedOut extends ActorOrigin {
  userId: number
}

/** A user turned two-factor sign-in on for themselves. */
export interface TwoFactorEnrolled extends ActorOrigin {
  userId: number
}

/** A user replaced their recovery codes with ten new ones. */
export interface RecoveryCodesRenewed extends ActorOrigin {
  userId: number
}

/** An owner (or staff) cleared a user's second factor. */
export interface TwoFactorReset extends ActorOrigin {
  actorId: number
  userId: number
}

/** An owner required (or stopped requiring) a second factor for everyone in the account. */
export interface TwoFactorPolicyChanged extends ActorOrigin {
  actorId: number
  accountId: number
  required: boolean
}

export interface PasswordChanged extends ActorOrigin {
  userId: number
  sessionsEnded: number
}

export interface UserAdded extends ActorOrigin {
  actorId: number
  accountId: number
  userId: number
  role: string
}

export interface UserRoleChanged extends ActorOrigin {
  actorId: number
  userId: number
  from: string
  to: string
}

export interface UserRemoved extends ActorOrigin {
  actorId: number
  accountId: number
  userId: number
  email: string
  sessionsEnded: number
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'auth:sign_in_failed': SignInFailed
    'auth:signed_in': SignedIn
    'auth:signed_out': SignedOut
    'auth:two_factor_enrolled': TwoFactorEnrolled
    'auth:two_factor_reset': TwoFactorReset
    'auth:recovery_codes_renewed': RecoveryCodesRenewed
    'auth:two_factor_policy_changed': TwoFactorPolicyChanged
    'auth:password_changed': PasswordChanged
    'user:added': UserAdded
    'user:role_changed': UserRoleChanged
    'user:removed': UserRemoved
  }
}
