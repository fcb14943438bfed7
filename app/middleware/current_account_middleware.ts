import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { inject } from '@adonisjs/core'
import AccountService from '#services/account_service'
import type Account from '#models/account'
import { displayLocale } from '#start/view'

/**
 * Resolves the account every query of this request is scoped to: the user's own,
 * or for staff the account they switched into.
 */
@inject()
export default class CurrentAccountMiddleware {
  constructor(protected accounts: AccountService) {}

  async handle(ctx: HttpContext, next: NextFn) {
    const user = ctx.auth.getUserOrFail()
    ctx.account = await this.accounts.currentFor(user, ctx.session.get('actingAccountId'))
    ctx.view.share({
      currentUser: user,
      currentAccount: ctx.account,
      locale: displayLocale(ctx.request.header('accept-language')),
    })
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    account: Account
  }
}
