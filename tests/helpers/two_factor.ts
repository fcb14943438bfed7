import app from '@adonisjs/core/services/app'
import { Secret, TOTP } from 'otpauth'
import type User from '#models/user'
import TwoFactorService from '#services/two_factor_service'

/** The code an authenticator app shows for `secret`, `offsetSeconds` from now (same library as the app). */
export function totpCode(secret: string, offsetSeconds = 0) {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: Date.now() + offsetSeconds * 1000,
  })
}

/**
 * Turns two-factor sign-in on for the user as the enrolment page does, confirmed with the
 * previous step's code (so the current code is still unused); answers the secret and the recovery codes.
 */
export async function enrolTwoFactor(user: User) {
  const service = await app.container.make(TwoFactorService)
  const { secret } = await service.begin(user, 'Accounting Toolbox')
  const confirmed = await service.confirm(user, totpCode(secret, -30))
  if (!confirmed.ok) throw new Error(`enrolment refused: ${confirmed.reason}`)
  return { secret, recoveryCodes: confirmed.recoveryCodes }
}
