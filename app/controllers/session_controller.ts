import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import limiter from '@adonisjs/limiter/services/main'
import emitter from '@adonisjs/core/services/emitter'
import hash from '@adonisjs/core/services/hash'
import router from '@adonisjs/core/services/router'
import env from '#start/env'
import User from '#models/user'
import Account from '#models/account'
import { loginValidator, secondFactorValidator } from '#validators/session'
import TwoFactorService from '#services/two_factor_service'
import UserSessionService from '#services/user_session_service'
import { SIGNED_IN_AT, MUST_ENROL_TWO_FACTOR } from '#middleware/auth_middleware'

/** Between the password and the code: who passed the first step, and when (a few minutes' grace). */
const PENDING_USER = 'twoFactorPendingUserId'
const PENDING_AT = 'twoFactorPendingAt'
const PENDING_MAX_MS = 5 * 60 * 1000

/**
 * Sign-in (password, then a TOTP or recovery code for users who have one) and sign-out.
 * Failed tries of either step are rate limited the same way; each outcome is an event
 * (app/events/auth_events.ts) for the audit trail.
 */
@inject()
export default class SessionController {
  constructor(
    protected twoFactor: TwoFactorService,
    protected userSessions: UserSessionService
  ) {}

  async create({ view }: HttpContext) {
    return view.render('pages/session/create')
  }

  async store(ctx: HttpContext) {
    const { request, response, session, view } = ctx
    const { email, password } = await request.validateUsing(loginValidator)

    const key = `login_${request.ip()}_${email}`
    let user: User
    try {
      const [throttled, found] = await this.limiter().penalize(key, () =>
        User.verifyCredentials(email, password)
      )
      if (throttled) {
        await emitter.emit('auth:sign_in_failed', {
          step: 'password',
          reason: 'throttled',
          email,
          userId: null,
          ip: request.ip(),
        })
        this.throttledAnswer(ctx, throttled.response.availableIn)
        return view.render('pages/session/create', {
          email,
          formError: this.throttledMessage(throttled.response.availableIn),
        })
      }
      user = found
    } catch {
      await emitter.emit('auth:sign_in_failed', {
        step: 'password',
        reason: 'invalid',
        email,
        userId: null,
        ip: request.ip(),
      })
      response.status(422)
      return view.render('pages/session/create', { email, formError: 'Wrong e-mail or password.' })
    }

    // A hash made with older parameters is remade now, while the password is at hand.
    if (hash.use('scrypt').needsReHash(user.password)) {
      user.password = password
      await user.save()
    }

    if (user.hasTwoFactor) {
      session.regenerate()
      session.put(PENDING_USER, user.id)
      session.put(PENDING_AT, Date.now())
      return response.redirectWithHtmx(router.makeUrl('session_two_factor.create'))
    }
    return this.signIn(ctx, user, null)
  }

  /** The second step's form: only after the first step, within a few minutes. */
  async createSecondFactor(ctx: HttpContext) {
    if (!this.pendingUserId(ctx)) return ctx.response.redirect().toRoute('session.create')
    return ctx.view.render('pages/session_two_factor/create')
  }

  async storeSecondFactor(ctx: HttpContext) {
    const { request, response, session, view } = ctx
    const userId = this.pendingUserId(ctx)
    if (!userId) return response.redirectWithHtmx(router.makeUrl('session.create'))
    const { code } = await request.validateUsing(secondFactorValidator)

    // Keyed by the user, not the address: a stolen password tried from many machines still gets five codes a minute.
    const key = `login_2fa_${userId}`
    let method: 'totp' | 'recovery_code'
    try {
      const [throttled, result] = await this.limiter().penalize(key, async () => {
        const outcome = await this.twoFactor.verify(userId, code)
        if (!outcome.ok) throw new SecondFactorRefused(outcome.reason)
        return outcome
      })
      if (throttled) {
        await this.secondStepFailed(ctx, userId, 'throttled')
        this.throttledAnswer(ctx, throttled.response.availableIn)
        return view.render('pages/session_two_factor/create', {
          formError: this.throttledMessage(throttled.response.availableIn),
        })
      }
      method = result.method
    } catch (error) {
      if (!(error instanceof SecondFactorRefused)) throw error
      await this.secondStepFailed(ctx, userId, error.reason)
      response.status(422)
      return view.render('pages/session_two_factor/create', {
        formError:
          error.reason === 'replayed'
            ? 'That code was used already. Wait for the next code from your app.'
            : 'That code is not right. Type the 6-digit code your app shows now, or a recovery code.',
      })
    }
    const user = await User.findOrFail(userId)
    session.forget(PENDING_USER)
    session.forget(PENDING_AT)
    return this.signIn(ctx, user, method)
  }

  async destroy({ auth, response, session, request }: HttpContext) {
    const user = auth.user
    await auth.use('web').logout()
    // An empty session is deleted from the store: a copy of the cookie signs nobody in.
    session.clear()
    if (user) await emitter.emit('auth:signed_out', { userId: user.id, ip: request.ip() })
    return response.redirect().toRoute('session.create')
  }

  protected async signIn(ctx: HttpContext, user: User, method: 'totp' | 'recovery_code' | null) {
    const { auth, session, request, response } = ctx
    await auth.use('web').login(user)
    session.forget('actingAccountId')
    session.put(SIGNED_IN_AT, Date.now())
    if (!user.hasTwoFactor) {
      const account = await Account.find(user.accountId)
      if (account?.requiresTwoFactor) session.put(MUST_ENROL_TWO_FACTOR, true)
    }
    await this.userSessions.tag(session, user.id, {
      ip: request.ip(),
      browser: request.header('user-agent') ?? '',
    })
    await emitter.emit('auth:signed_in', {
      userId: user.id,
      withSecondFactor: method,
      ip: request.ip(),
    })
    if (method === 'recovery_code') {
      session.flash(
        'notice',
        'You signed in with a recovery code; it cannot be used again. If your phone is lost, ask an owner to reset your second factor.'
      )
    }
    return response.redirectWithHtmx(router.makeUrl('dashboard.show'))
  }

  protected async secondStepFailed(
    ctx: HttpContext,
    userId: number,
    reason: 'invalid' | 'throttled' | 'replayed'
  ) {
    const user = await User.find(userId)
    await emitter.emit('auth:sign_in_failed', {
      step: 'two_factor',
      reason,
      email: user?.email ?? '',
      userId,
      ip: ctx.request.ip(),
    })
  }

  protected pendingUserId(ctx: HttpContext): number | null {
    const userId = ctx.session.get(PENDING_USER)
    const at = ctx.session.get(PENDING_AT)
    if (typeof userId !== 'number' || typeof at !== 'number') return null
    if (Date.now() - at > PENDING_MAX_MS) return null
    return userId
  }

  protected limiter() {
    return limiter.use({
      requests: env.get('LOGIN_ATTEMPTS_PER_MINUTE', 5),
      duration: '1 min',
      blockDuration: '5 mins',
    })
  }

  protected throttledAnswer(ctx: HttpContext, availableIn: number) {
    ctx.response.status(429)
    ctx.response.header('Retry-After', String(availableIn))
  }

  protected throttledMessage(availableIn: number) {
    const minutes = Math.max(1, Math.ceil(availableIn / 60))
    return `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
  }
}

/** A refused code, thrown inside the limiter's penalize so it counts as a failure. */
class SecondFactorRefused extends Error {
  constructor(public reason: 'invalid' | 'replayed') {
    super(`second factor ${reason}`)
  }
}
