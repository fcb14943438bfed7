import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductService from '#services/product_service'
import ProductPolicy from '#policies/product_policy'
import { productStatusValidator } from '#validators/product'

/** The Paused ↔ Active toggle on a product card. */
@inject()
export default class ProductStatusController {
  constructor(protected products: ProductService) {}

  async update({ product, request, response, view, account, auth, bouncer, isHtmx }: HttpContext) {
    await bouncer.with(ProductPolicy).authorize('act', product)
    const { status } = await request.validateUsing(productStatusValidator)
    await this.products.setStatus(product, status, auth.getUserOrFail().email)
    if (isHtmx) {
      const [card] = (await this.products.cardsFor(account)).filter(
        (c) => c.product.id === product.id
      )
      return view.render('partials/products/card', { card })
    }
    return response.redirect().toRoute('dashboard.show')
  }
}
