import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductService from '#services/product_service'

const DAYS = 30

/** The Analytics view: invoices synced and faulted per day, as a server-rendered SVG chart. */
@inject()
export default class AnalyticsController {
  constructor(protected products: ProductService) {}

  async show(ctx: HttpContext) {
    const product = ctx.product
    const days = await this.products.dailyActivity(product, DAYS)
    const peak = Math.max(1, ...days.map((day) => Math.max(day.synced, day.faulted)))
    return ctx.view.render('pages/analytics/show', {
      product,
      days,
      peak,
      activeTab: 'analytics.show',
    })
  }
}
