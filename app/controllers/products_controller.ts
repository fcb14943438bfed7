import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import ProductService from '#services/product_service'
import ProductPolicy from '#policies/product_policy'
import { createProductValidator } from '#validators/product'
import { auditWeb } from '#services/audit_service'

/** Adding a product (the wizard's first step) and its page. */
@inject()
export default class ProductsController {
  constructor(protected products: ProductService) {}

  async create({ view, bouncer }: HttpContext) {
    await bouncer.with(ProductPolicy).authorize('create')
    return view.render('pages/products/create')
  }

  /** Wizard step 1: the name; the product is created Paused and the wizard goes on to Autotask. */
  async store(ctx: HttpContext) {
    const { request, response, view, bouncer, account, auth, session } = ctx
    await bouncer.with(ProductPolicy).authorize('create')
    const input = await request.validateUsing(createProductValidator)
    const result = await this.products.create(account, input, auth.getUserOrFail())
    if (!result.ok) {
      response.status(422)
      return view.render('pages/products/create', { name: input.name, formError: result.reason })
    }
    await auditWeb(ctx, 'product.created', { product: result.product })
    session.flash(
      'notice',
      `Product "${result.product.name}" created (Paused). Next, connect its Autotask database.`
    )
    return ctx.response.redirectWithHtmx(
      router.makeUrl('product_setup.autotask.edit', { product_id: result.product.id })
    )
  }

  /** A product opens on its Invoices tab (filters such as ?status=fault are kept). */
  async show({ product, request, response }: HttpContext) {
    return response
      .redirect()
      .toRoute('invoices.index', { product_id: product.id }, { qs: request.qs() })
  }
}
