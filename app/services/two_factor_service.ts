import { createHash, randomInt, timingSafeEqual } from 'node:crypto'
import { inject } from '@adonisjs/core'
import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'
import User from '#models/user'
import { Clock } from '#sync/clock'

const RECOVERY_CODE_COUNT = 10

/** What enrolment shows: the secret to type in, the otpauth:// URI, and its QR code as SVG. */
export interface TwoFactorEnrolment {
  secret: string
  uri: string
  qrSvg: string
}

export type SecondFactorResult =
  | { ok: true; method: 'totp' | 'recovery_code'; recoveryCodesLeft: number }
  | { ok: false; reason: 'invalid' | 'replayed' }

export type ConfirmEnrolmentResult =
  { ok: true; recoveryCodes: string[] } | { ok: false; reason: string }

/**
 * Two-factor sign-in with TOTP (RFC 6238, as authenticator apps do it), via the otpauth
 * library, plus ten one-time recovery codes. The secret is sealed with APP_KEY in the
 * users row (encryptedColumn); recovery codes are kept as SHA-256 digests, sealed too.
 * A code's time step is remembered, so the same code (or an older one) never works twice.
 */
@inject()
export default class TwoFactorService {
  constructor(protected clock: Clock) {}

  /** Starts (or restarts) enrolment: a fresh secret, not in force until a code confirms it. */
  async begin(user: User, issuer: string): Promise<TwoFactorEnrolment> {
    const secret = new Secret({ size: 20 }).base32
    user.twoFactorSecret = secret
    user.twoFactorEnabledAt = null
    user.twoFactorRecoveryCodes = null
    user.twoFactorLastStep = null
    await user.save()
    return this.enrolmentOf(user, issuer)
  }

  /** The pending enrolment's QR code again (a reload of the page shows the same secret). */
  async enrolmentOf(user: User, issuer: string): Promise<TwoFactorEnrolment> {
    const totp = this.totp(user.twoFactorSecret!, user.email, issuer)
    const uri = totp.toString()
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
    return { secret: user.twoFactorSecret!, uri, qrSvg }
  }

  /** The first code from the app turns two-factor on and yields the recovery codes, shown once. */
  async confirm(user: User, code: string): Promise<ConfirmEnrolmentResult> {
    if (!user.twoFactorSecret || user.hasTwoFactor) {
      return { ok: false, reason: 'Start again: open the two-factor page and scan the new code.' }
    }
    const step = this.matchingStep(user, code.replace(/\s+/g, ''))
    if (step === null) {
      return {
        ok: false,
        reason:
          'That code does not match. Check the time on your phone, then type the code shown now.',
      }
    }
    user.twoFactorLastStep = step
    user.twoFactorEnabledAt = this.clock.now()
    return { ok: true, recoveryCodes: await this.newRecoveryCodes(user) }
  }

  /**
   * Ten fresh recovery codes replace whatever was left (used up, or written down somewhere
   * no longer safe); the old ones stop working at once. Returned this once, kept as digests.
   */
  async newRecoveryCodes(user: User): Promise<string[]> {
    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode())
    user.twoFactorRecoveryCodes = recoveryCodes.map(digest)
    await user.save()
    return recoveryCodes
  }

  /**
   * The second sign-in step: a current TOTP code (not one already used) or an unused
   * recovery code, which is then spent. Runs in a row lock so two requests cannot both
   * spend the same code.
   */
  async verify(userId: number, input: string): Promise<SecondFactorResult> {
    const code = input.replace(/\s+/g, '')
    return User.transaction(async (trx) => {
      const user = await User.query({ client: trx }).where('id', userId).forUpdate().firstOrFail()
      if (!user.hasTwoFactor || !user.twoFactorSecret) return { ok: false, reason: 'invalid' }
      const codesLeft = user.twoFactorRecoveryCodes ?? []
      if (/^\d{6}$/.test(code)) {
        const step = this.matchingStep(user, code)
        if (step === null) return { ok: false, reason: 'invalid' }
        if (user.twoFactorLastStep !== null && step <= user.twoFactorLastStep) {
          return { ok: false, reason: 'replayed' }
        }
        user.twoFactorLastStep = step
        await user.save()
        return { ok: true, method: 'totp', recoveryCodesLeft: codesLeft.length }
      }
      const given = digest(code.toLowerCase())
      const index = codesLeft.findIndex((stored) => sameDigest(stored, given))
      if (index === -1) return { ok: false, reason: 'invalid' }
      user.twoFactorRecoveryCodes = codesLeft.filter((_, i) => i !== index)
      await user.save()
      return { ok: true, method: 'recovery_code', recoveryCodesLeft: codesLeft.length - 1 }
    })
  }

  /** An owner's reset (or a user's own switch-off): the second factor is gone until enrolled again. */
  async reset(user: User) {
    user.twoFactorSecret = null
    user.twoFactorRecoveryCodes = null
    user.twoFactorEnabledAt = null
    user.twoFactorLastStep = null
    await user.save()
  }

  /** The time step of a code valid now (one step either side, for clock drift), or null. */
  protected matchingStep(user: User, code: string): number | null {
    if (!/^\d{6}$/.test(code)) return null
    const timestamp = this.clock.now().toMillis()
    const totp = this.totp(user.twoFactorSecret!, user.email, '')
    const delta = totp.validate({ token: code, timestamp, window: 1 })
    if (delta === null) return null
    return totp.counter({ timestamp }) + delta
  }

  protected totp(secret: string, label: string, issuer: string) {
    return new TOTP({
      issuer,
      label,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      secret: Secret.fromBase32(secret),
    })
  }
}

/** Ten lower-case letters and digits in two groups of five: 50 bits, easy to type. */
function newRecoveryCode() {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789'
  const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)])
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`
}

function digest(code: string) {
  return createHash('sha256').update(code).digest('hex')
}

function sameDigest(a: string, b: string) {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
}
