import type { HttpContext } from '@adonisjs/core/http'
import limiter from '@adonisjs/limiter/services/main'
import env from '#start/env'
import User from '#models/user'
import { loginValidator } from '#validators/session'
import router from '@adonisjs/core/services/router'
import { auditSignInFailed } from '#services/audit_service'

/** Sign-in and sign-out. Failed sign-ins are rate limited per address and e-mail. */
export default class SessionController {
  async create({ view }: HttpContext) {
    return view.render('pages/session/create')
  }

  async store(ctx: HttpContext) {
    const { request, response, auth, session, view } = ctx
    const { email, password } = await request.validateUsing(loginValidator)

    const loginLimiter = limiter.use({
      requests: env.get('LOGIN_ATTEMPTS_PER_MINUTE', 5),
      duration: '1 min',
      blockDuration: '5 mins',
    })
    const key = `login_${request.ip()}_${email}`
    let user: User
    try {
      const [throttled, found] = await loginLimiter.penalize(key, () =>
        User.verifyCredentials(email, password)
      )
      if (throttled) {
        const minutes = Math.max(1, Math.ceil(throttled.response.availableIn / 60))
        response.status(429)
        response.header('Retry-After', String(throttled.response.availableIn))
        return view.render('pages/session/create', {
          email,
          formError: `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        })
      }
      user = found
    } catch {
      await auditSignInFailed(ctx, email)
      response.status(422)
      return view.render('pages/session/create', { email, formError: 'Wrong e-mail or password.' })
    }

    await auth.use('web').login(user)
    session.forget('actingAccountId')
    return ctx.response.redirectWithHtmx(router.makeUrl('dashboard.show'))
  }

  async destroy({ auth, response, session }: HttpContext) {
    await auth.use('web').logout()
    session.clear()
    return response.redirect().toRoute('session.create')
  }
}
