import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductService from '#services/product_service'
import ProductPolicy from '#policies/product_policy'
import { auditWeb } from '#services/audit_service'

/** The Sync Now button of the Sync Logs tab. */
@inject()
export default class ProductSyncsController {
  constructor(protected products: ProductService) {}

  async store(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const result = await this.products.requestSync(
      product,
      ctx.account,
      ctx.auth.getUserOrFail().email
    )
    if (result.ok) await auditWeb(ctx, 'product.sync_requested', { product })
    const message = result.ok
      ? 'Sync requested: the engine starts at its next check (every 10 seconds).'
      : result.reason
    if (!result.ok) ctx.response.status(422)
    if (ctx.isHtmx) {
      if (result.ok) ctx.response.header('HX-Trigger', 'logs-changed')
      return ctx.view.render('partials/product_syncs/result', { ok: result.ok, message })
    }
    ctx.session.flash(result.ok ? 'notice' : 'alert', message)
    return ctx.response.redirect().toRoute('sync_logs.index', { product_id: product.id })
  }
}
