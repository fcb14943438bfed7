import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import emitter from '@adonisjs/core/services/emitter'
import UserService from '#services/user_service'
import TwoFactorService from '#services/two_factor_service'
import UserPolicy from '#policies/user_policy'
import { addUserValidator, twoFactorPolicyValidator, userRoleValidator } from '#validators/user'
import { userRoles } from '#enums/user_role'
import { auditWeb } from '#services/audit_service'

/** The account's users: list, add, change roles, remove, and their second factors. */
@inject()
export default class UsersController {
  constructor(
    protected users: UserService,
    protected twoFactor: TwoFactorService
  ) {}

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
    if (result.user) {
      await emitter.emit('user:added', {
        actorId: ctx.auth.getUserOrFail().id,
        accountId: ctx.account.id,
        userId: result.user.id,
        role: result.role,
        ip: ctx.request.ip(),
      })
      await auditWeb(ctx, 'user.added', {
        details: { email: result.user.email, role: result.role },
      })
    }
    // The same words whether or not the e-mail was free: it may belong to another account.
    ctx.session.flash(
      'notice',
      `${result.email} can sign in as ${result.role} with the password you chose, unless that e-mail already has an account elsewhere.`
    )
    return ctx.response.redirect().toRoute('users.index')
  }

  async update(ctx: HttpContext) {
    await ctx.bouncer.with(UserPolicy).authorize('manage')
    const { role } = await ctx.request.validateUsing(userRoleValidator)
    const user = await this.users.findInAccount(ctx.account, ctx.params.id)
    const from = user.role
    const allowed = await ctx.bouncer.with(UserPolicy).execute('changeRole', user, role)
    const result = allowed.authorized
      ? await this.users.changeRole(user, role)
      : { ok: false as const, reason: allowed.message ?? 'Not allowed.' }
    if (!result.ok) return this.refused(ctx, result.reason)
    await emitter.emit('user:role_changed', {
      actorId: ctx.auth.getUserOrFail().id,
      userId: user.id,
      from,
      to: role,
      ip: ctx.request.ip(),
    })
    await auditWeb(ctx, 'user.role_changed', {
      details: { email: user.email, changes: { role: { from, to: role } } },
    })
    ctx.session.flash('notice', `${result.user.email} is now ${result.user.role}.`)
    return ctx.response.redirect().toRoute('users.index')
  }

  /** Removes a user; their sessions end at once, in every process. */
  async destroy(ctx: HttpContext) {
    await ctx.bouncer.with(UserPolicy).authorize('manage')
    const user = await this.users.findInAccount(ctx.account, ctx.params.id)
    const allowed = await ctx.bouncer.with(UserPolicy).execute('remove', user)
    const result = allowed.authorized
      ? await this.users.remove(user)
      : { ok: false as const, reason: allowed.message ?? 'Not allowed.' }
    if (!result.ok) return this.refused(ctx, result.reason)
    await emitter.emit('user:removed', {
      actorId: ctx.auth.getUserOrFail().id,
      accountId: ctx.account.id,
      userId: user.id,
      email: user.email,
      sessionsEnded: result.sessionsEnded,
      ip: ctx.request.ip(),
    })
    ctx.session.flash('notice', `${user.email} is removed and signed out everywhere.`)
    return ctx.response.redirect().toRoute('users.index')
  }

  /** An owner clears a user's second factor (a lost phone); the user's sessions end too. */
  async resetTwoFactor(ctx: HttpContext) {
    const user = await this.users.findInAccount(ctx.account, ctx.params.id)
    const allowed = await ctx.bouncer.with(UserPolicy).execute('resetTwoFactor', user)
    if (!allowed.authorized) return this.refused(ctx, allowed.message ?? 'Not allowed.')
    await this.twoFactor.reset(user)
    await this.users.endSessions(user)
    await emitter.emit('auth:two_factor_reset', {
      actorId: ctx.auth.getUserOrFail().id,
      userId: user.id,
      ip: ctx.request.ip(),
    })
    ctx.session.flash(
      'notice',
      `${user.email}'s second factor is reset; they set up a new one at their next sign-in${ctx.account.requiresTwoFactor ? '' : ' if they choose'}.`
    )
    return ctx.response.redirect().toRoute('users.index')
  }

  /** An owner requires (or stops requiring) a second factor for everyone in the account. */
  async updateTwoFactorPolicy(ctx: HttpContext) {
    await ctx.bouncer.with(UserPolicy).authorize('requireTwoFactor')
    const { requiresTwoFactor } = await ctx.request.validateUsing(twoFactorPolicyValidator)
    const actor = ctx.auth.getUserOrFail()
    if (requiresTwoFactor && !actor.hasTwoFactor && !actor.isStaff) {
      return this.refused(ctx, 'Set up your own second factor first, so you are not locked out.')
    }
    const signedOut = await this.users.requireTwoFactor(ctx.account, requiresTwoFactor, actor.id)
    await emitter.emit('auth:two_factor_policy_changed', {
      actorId: actor.id,
      accountId: ctx.account.id,
      required: requiresTwoFactor,
      ip: ctx.request.ip(),
    })
    ctx.session.flash(
      'notice',
      requiresTwoFactor
        ? `Everyone in ${ctx.account.name} now signs in with a second factor; users without one were signed out (${signedOut} session${signedOut === 1 ? '' : 's'}) and set it up at their next sign-in.`
        : `A second factor is now each user's choice in ${ctx.account.name}.`
    )
    return ctx.response.redirect().toRoute('users.index')
  }

  private async refused(ctx: HttpContext, reason: string) {
    ctx.response.status(422)
    return ctx.view.render('pages/users/index', { ...(await this.state(ctx)), formError: reason })
  }

  private async state(ctx: HttpContext) {
    const canManage = await ctx.bouncer.with(UserPolicy).allows('manage')
    const canRequireTwoFactor = await ctx.bouncer.with(UserPolicy).allows('requireTwoFactor')
    return {
      users: await this.users.listFor(ctx.account),
      roles: userRoles,
      canManage,
      canRequireTwoFactor,
    }
  }
}
