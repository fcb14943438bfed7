import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductService from '#services/product_service'
import ProductPolicy from '#policies/product_policy'
import { productStatusValidator } from '#validators/product'
import { auditWeb } from '#services/audit_service'

/** The Paused ↔ Active toggle on a product card. */
@inject()
export default class ProductStatusController {
  constructor(protected products: ProductService) {}

  async update(ctx: HttpContext) {
    const { product, request, response, view, account, auth, bouncer, isHtmx } = ctx
    await bouncer.with(ProductPolicy).authorize('act', product)
    const { status } = await request.validateUsing(productStatusValidator)
    await this.products.setStatus(product, status, auth.getUserOrFail().email)
    await auditWeb(ctx, status === 'active' ? 'product.resumed' : 'product.paused', { product })
    if (isHtmx) {
      const [card] = (await this.products.cardsFor(account)).filter(
        (c) => c.product.id === product.id
      )
      return view.render('partials/products/card', { card })
    }
    return response.redirect().toRoute('dashboard.show')
  }
}
