import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import emitter from '@adonisjs/core/services/emitter'
import router from '@adonisjs/core/services/router'
import Account from '#models/account'
import TwoFactorService from '#services/two_factor_service'
import { currentPasswordValidator, enrolmentCodeValidator } from '#validators/session'
import { MUST_ENROL_TWO_FACTOR } from '#middleware/auth_middleware'

/** One's own second factor: set it up (QR code, first code, recovery codes) or turn it off. */
@inject()
export default class TwoFactorController {
  constructor(protected twoFactor: TwoFactorService) {}

  /** Status, or the pending enrolment's QR code. Changes nothing (safe to prefetch). */
  async show(ctx: HttpContext) {
    const user = ctx.auth.getUserOrFail()
    const enrolment =
      !user.hasTwoFactor && user.twoFactorSecret
        ? await this.twoFactor.enrolmentOf(user, this.issuer())
        : null
    return ctx.view.render('pages/two_factor/show', {
      enrolment,
      required: await this.required(user.accountId),
      mustEnrol: Boolean(ctx.session.get(MUST_ENROL_TWO_FACTOR)),
      recoveryCodesLeft: user.twoFactorRecoveryCodes?.length ?? 0,
    })
  }

  /** Starts enrolment with a new secret (also "start again" with a fresh QR code). */
  async setup(ctx: HttpContext) {
    const user = ctx.auth.getUserOrFail()
    if (!user.hasTwoFactor) await this.twoFactor.begin(user, this.issuer())
    return ctx.response.redirectWithHtmx(router.makeUrl('two_factor.show'))
  }

  /** The first code confirms the secret; the recovery codes are shown this once. */
  async store(ctx: HttpContext) {
    const user = ctx.auth.getUserOrFail()
    const { code } = await ctx.request.validateUsing(enrolmentCodeValidator)
    const result = await this.twoFactor.confirm(user, code)
    if (!result.ok) {
      ctx.response.status(422)
      return ctx.view.render('pages/two_factor/show', {
        enrolment: user.twoFactorSecret
          ? await this.twoFactor.enrolmentOf(user, this.issuer())
          : null,
        required: await this.required(user.accountId),
        mustEnrol: Boolean(ctx.session.get(MUST_ENROL_TWO_FACTOR)),
        recoveryCodesLeft: 0,
        formError: result.reason,
      })
    }
    ctx.session.forget(MUST_ENROL_TWO_FACTOR)
    await emitter.emit('auth:two_factor_enrolled', { userId: user.id, ip: ctx.request.ip() })
    ctx.response.header('Cache-Control', 'no-store')
    return ctx.view.render('pages/two_factor/recovery_codes', {
      recoveryCodes: result.recoveryCodes,
    })
  }

  /** Ten new recovery codes replace the old ones (the password first), shown this once. */
  async renewRecoveryCodes(ctx: HttpContext) {
    const user = ctx.auth.getUserOrFail()
    const { currentPassword } = await ctx.request.validateUsing(currentPasswordValidator)
    if (!user.hasTwoFactor) return ctx.response.redirect().toRoute('two_factor.show')
    if (!(await user.verifyPassword(currentPassword))) {
      ctx.session.flash('alert', 'The password is not right; your recovery codes are unchanged.')
      return ctx.response.redirect().toRoute('two_factor.show')
    }
    const recoveryCodes = await this.twoFactor.newRecoveryCodes(user)
    await emitter.emit('auth:recovery_codes_renewed', { userId: user.id, ip: ctx.request.ip() })
    ctx.response.header('Cache-Control', 'no-store')
    return ctx.view.render('pages/two_factor/recovery_codes', { recoveryCodes, renewed: true })
  }

  /** Turns one's own second factor off (the password first: a borrowed session is not enough), unless the account requires it. */
  async destroy(ctx: HttpContext) {
    const user = ctx.auth.getUserOrFail()
    const { currentPassword } = await ctx.request.validateUsing(currentPasswordValidator)
    if (await this.required(user.accountId)) {
      ctx.session.flash('alert', 'Your account requires two-factor sign-in; an owner can reset it.')
      return ctx.response.redirect().toRoute('two_factor.show')
    }
    if (!(await user.verifyPassword(currentPassword))) {
      ctx.session.flash('alert', 'The password is not right; two-factor sign-in is still on.')
      return ctx.response.redirect().toRoute('two_factor.show')
    }
    await this.twoFactor.reset(user)
    await emitter.emit('auth:two_factor_reset', {
      actorId: user.id,
      userId: user.id,
      ip: ctx.request.ip(),
    })
    ctx.session.flash('notice', 'Two-factor sign-in is off.')
    return ctx.response.redirect().toRoute('two_factor.show')
  }

  protected async required(accountId: number) {
    return Boolean((await Account.find(accountId))?.requiresTwoFactor)
  }

  /** The name authenticator apps show beside the code (the app's name, as in start/view.ts). */
  protected issuer() {
    return 'Accounting Toolbox'
  }
}
