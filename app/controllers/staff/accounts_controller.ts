import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import AccountService from '#services/account_service'

/** Staff support: list every account and switch into one. */
@inject()
export default class AccountsController {
  constructor(protected accounts: AccountService) {}

  async index({ view }: HttpContext) {
    const accounts = await this.accounts.listForStaff()
    return view.render('pages/staff/accounts/index', { accounts })
  }

  async switch({ params, session, response }: HttpContext) {
    const account = await this.accounts.findOrFail(params.id)
    session.put('actingAccountId', account.id)
    session.flash('notice', `You are now working in ${account.name}.`)
    return response.redirect().toRoute('dashboard.show')
  }

  async leave({ session, response }: HttpContext) {
    session.forget('actingAccountId')
    return response.redirect().toRoute('dashboard.show')
  }
}
