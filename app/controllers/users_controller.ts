import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import UserService from '#services/user_service'
import UserPolicy from '#policies/user_policy'
import { addUserValidator, userRoleValidator } from '#validators/user'
import { userRoles } from '#enums/user_role'
import { auditWeb } from '#services/audit_service'

/** The account's users: list, add, change roles. */
@inject()
export default class UsersController {
  constructor(protected users: UserService) {}

  async index(ctx: HttpContext) {
    return ctx.view.render('pages/users/index', await this.state(ctx))
  }

  async create(ctx: HttpContext) {
    await ctx.bouncer.with(UserPolicy).authorize('manage')
    return ctx.view.render('pages/users/create', { roles: userRoles })
  }

  async store(ctx: HttpContext) {
    await ctx.bouncer.with(UserPolicy).authorize('manage')
    ctx.view.share({ roles: userRoles })
    const input = await ctx.request.validateUsing(addUserValidator)
    const allowed = await ctx.bouncer.with(UserPolicy).execute('add', input.role)
    const result = allowed.authorized
      ? await this.users.addToAccount(ctx.account, input)
      : { ok: false as const, reason: allowed.message ?? 'Not allowed.' }
    if (!result.ok) {
      ctx.response.status(422)
      return ctx.view.render('pages/users/create', {
        formError: result.reason,
        values: { ...input, password: '' },
      })
    }
    await auditWeb(ctx, 'user.added', {
      details: { email: result.user.email, role: result.user.role },
    })
    ctx.session.flash('notice', `${result.user.email} can now sign in as ${result.user.role}.`)
    return ctx.response.redirect().toRoute('users.index')
  }

  async update(ctx: HttpContext) {
    await ctx.bouncer.with(UserPolicy).authorize('manage')
    const { role } = await ctx.request.validateUsing(userRoleValidator)
    const user = await this.users.findInAccount(ctx.account, ctx.params.id)
    const before = user.role
    const allowed = await ctx.bouncer.with(UserPolicy).execute('changeRole', user, role)
    const result = allowed.authorized
      ? await this.users.changeRole(user, role)
      : { ok: false as const, reason: allowed.message ?? 'Not allowed.' }
    if (!result.ok) {
      ctx.response.status(422)
      return ctx.view.render('pages/users/index', {
        ...(await this.state(ctx)),
        formError: result.reason,
      })
    }
    await auditWeb(ctx, 'user.role_changed', {
      details: { email: user.email, changes: { role: { from: before, to: role } } },
    })
    ctx.session.flash('notice', `${result.user.email} is now ${result.user.role}.`)
    return ctx.response.redirect().toRoute('users.index')
  }

  private async state(ctx: HttpContext) {
    const canManage = await ctx.bouncer.with(UserPolicy).allows('manage')
    return { users: await this.users.listFor(ctx.account), roles: userRoles, canManage }
  }
}
