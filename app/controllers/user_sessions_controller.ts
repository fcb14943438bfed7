import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import UserSessionService from '#services/user_session_service'
import { auditWeb } from '#services/audit_service'

/** One's own signed-in sessions: where and when each signed in; end one, or all but this one. */
@inject()
export default class UserSessionsController {
  constructor(protected userSessions: UserSessionService) {}

  async index(ctx: HttpContext) {
    const user = ctx.auth.getUserOrFail()
    const sessions = await this.userSessions.list(user.id, ctx.session.sessionId)
    return ctx.view.render('pages/user_sessions/index', { sessions })
  }

  async destroy(ctx: HttpContext) {
    const user = ctx.auth.getUserOrFail()
    const handle = String(ctx.params.handle)
    const ended = /^[0-9a-f]{24}$/.test(handle)
      ? await this.userSessions.endOne(user.id, handle, ctx.session.sessionId)
      : false
    if (!ended) {
      ctx.session.flash('alert', 'That session has already ended (or is this one: use Sign out).')
      return ctx.response.redirect().toRoute('user_sessions.index')
    }
    await auditWeb(ctx, 'user.sessions_ended', { details: { ended: 1 } })
    ctx.session.flash('notice', 'That session is signed out.')
    return ctx.response.redirect().toRoute('user_sessions.index')
  }

  async destroyOthers(ctx: HttpContext) {
    const user = ctx.auth.getUserOrFail()
    const ended = await this.userSessions.endAll(user.id, ctx.session.sessionId)
    if (ended > 0) await auditWeb(ctx, 'user.sessions_ended', { details: { ended } })
    ctx.session.flash(
      'notice',
      ended === 0
        ? 'No other session was signed in.'
        : `${ended} other session${ended === 1 ? ' is' : 's are'} signed out.`
    )
    return ctx.response.redirect().toRoute('user_sessions.index')
  }
}
