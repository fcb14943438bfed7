import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductService from '#services/product_service'

/** The dashboard: one card per product of the current account. */
@inject()
export default class DashboardController {
  constructor(protected products: ProductService) {}

  async show({ view, account }: HttpContext) {
    const cards = await this.products.cardsFor(account)
    return view.render('pages/dashboard/show', { cards })
  }
}
