import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import emitter from '@adonisjs/core/services/emitter'
import UserService from '#services/user_service'
import { changePasswordValidator } from '#validators/user'

/** One's own password. Changing it ends one's other sessions everywhere. */
@inject()
export default class PasswordsController {
  constructor(protected users: UserService) {}

  async edit({ view }: HttpContext) {
    return view.render('pages/passwords/edit')
  }

  async update(ctx: HttpContext) {
    const input = await ctx.request.validateUsing(changePasswordValidator)
    const user = ctx.auth.getUserOrFail()
    const result = await this.users.changePassword(user, input, ctx.session.sessionId)
    if (!result.ok) {
      ctx.response.status(422)
      return ctx.view.render('pages/passwords/edit', { formError: result.reason })
    }
    await emitter.emit('auth:password_changed', {
      userId: user.id,
      sessionsEnded: result.sessionsEnded,
      ip: ctx.request.ip(),
    })
    ctx.session.flash(
      'notice',
      result.sessionsEnded > 0
        ? `Your password is changed; ${result.sessionsEnded} other session${result.sessionsEnded === 1 ? ' was' : 's were'} signed out.`
        : 'Your password is changed.'
    )
    return ctx.response.redirectWithHtmx(ctx.request.url())
  }
}
