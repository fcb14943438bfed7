import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import type { Authenticators } from '@adonisjs/auth/types'
import { errors } from '@adonisjs/auth'
import router from '@adonisjs/core/services/router'
import { absoluteTimeoutMs } from '#config/session'

/** Session keys: when the person signed in, and whether they must enrol a second factor first. */
export const SIGNED_IN_AT = 'signedInAt'
export const MUST_ENROL_TWO_FACTOR = 'mustEnrolTwoFactor'

/** Pages a person who must enrol a second factor may still open. */
const ENROLMENT_ROUTES = new Set([
  'two_factor.show',
  'two_factor.setup',
  'two_factor.store',
  'session.destroy',
])

/**
 * Every page but the sign-in page is behind this: anonymous visitors are sent to /login,
 * and so is a session older than the absolute time-out (the idle one is the store's
 * expiry). Signed-in pages are never cached and never leak their URL to other sites.
 */
export default class AuthMiddleware {
  redirectTo = '/login'

  async handle(
    ctx: HttpContext,
    next: NextFn,
    options: { guards?: (keyof Authenticators)[] } = {}
  ) {
    await ctx.auth.authenticateUsing(options.guards, { loginRoute: this.redirectTo })

    const signedInAt = ctx.session.get(SIGNED_IN_AT)
    if (typeof signedInAt !== 'number') {
      // A session from before this key existed: its absolute time-out starts now.
      ctx.session.put(SIGNED_IN_AT, Date.now())
    } else if (Date.now() - signedInAt > absoluteTimeoutMs) {
      await ctx.auth.use('web').logout()
      ctx.session.clear()
      throw new errors.E_UNAUTHORIZED_ACCESS('Session expired', {
        redirectTo: this.redirectTo,
        guardDriverName: 'session',
      })
    }

    ctx.response.header('Cache-Control', 'no-store')
    ctx.response.header('Referrer-Policy', 'same-origin')

    if (ctx.session.get(MUST_ENROL_TWO_FACTOR) && !ENROLMENT_ROUTES.has(ctx.route?.name ?? '')) {
      return ctx.response.redirectWithHtmx(router.makeUrl('two_factor.show'))
    }
    return next()
  }
}
