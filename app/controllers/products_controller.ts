import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductService from '#services/product_service'
import ProductPolicy from '#policies/product_policy'
import { createProductValidator } from '#validators/product'
import { recordStatuses } from '#enums/record_status'
import InvoiceRecord from '#models/invoice_record'

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
    return response.redirect().toRoute('products.show', { id: result.product.id })
  }

  async show({ params, view, account, bouncer }: HttpContext) {
    const product = await this.products.findForAccount(account, params.id)
    await bouncer.with(ProductPolicy).authorize('view', product)
    const counts = await InvoiceRecord.query()
      .where('product_id', product.id)
      .select('status')
      .count('* as total')
      .groupBy('status')
    const byStatus = Object.fromEntries(recordStatuses.map((status) => [status, 0]))
    for (const row of counts) byStatus[row.status] = Number(row.$extras.total)
    return view.render('pages/products/show', { product, byStatus })
  }
}
