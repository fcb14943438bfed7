import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import AccountService from '#services/account_service'
import { auditWeb } from '#services/audit_service'

/** Staff support: list every account and switch into one. */
@inject()
export default class AccountsController {
  constructor(protected accounts: AccountService) {}

  async index({ view }: HttpContext) {
    const accounts = await this.accounts.listForStaff()
    return view.render('pages/staff/accounts/index', { accounts })
  }

  async switch(ctx: HttpContext) {
    const { params, session, response } = ctx
    const account = await this.accounts.findOrFail(params.id)
    session.put('actingAccountId', account.id)
    await auditWeb(ctx, 'staff.switched_in', {
      accountId: account.id,
      details: { from: ctx.account.name, to: account.name },
    })
    session.flash('notice', `You are now working in ${account.name}.`)
    return response.redirect().toRoute('dashboard.show')
  }

  async leave(ctx: HttpContext) {
    const { session, response } = ctx
    await auditWeb(ctx, 'staff.left')
    session.forget('actingAccountId')
    return response.redirect().toRoute('dashboard.show')
  }
}
