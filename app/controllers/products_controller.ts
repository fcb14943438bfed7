import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductService from '#services/product_service'
import ProductPolicy from '#policies/product_policy'
import { createProductValidator } from '#validators/product'

/** Adding a product and its page. */
@inject()
export default class ProductsController {
  constructor(protected products: ProductService) {}

  async create({ view, bouncer }: HttpContext) {
    await bouncer.with(ProductPolicy).authorize('create')
    return view.render('pages/products/create')
  }

  async store({ request, response, view, bouncer, account, auth, session }: HttpContext) {
    await bouncer.with(ProductPolicy).authorize('create')
    const input = await request.validateUsing(createProductValidator)
    const result = await this.products.create(account, input, auth.getUserOrFail())
    if (!result.ok) {
      response.status(422)
      return view.render('pages/products/create', { name: input.name, formError: result.reason })
    }
    session.flash('notice', `Product "${result.product.name}" created. It is Paused until you switch it to Active.`)
    return response.redirect().toRoute('invoices.index', { product_id: result.product.id })
  }

  /** A product opens on its Invoices tab (filters such as ?status=fault are kept). */
  async show({ params, request, response, account }: HttpContext) {
    const product = await this.products.findForAccount(account, params.id)
    return response.redirect().toRoute('invoices.index', { product_id: product.id }, { qs: request.qs() })
  }
}
