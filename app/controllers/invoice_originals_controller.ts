import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductService from '#services/product_service'
import RecordListService from '#services/record_list_service'
import ProductPolicy from '#policies/product_policy'
import type InvoiceRecord from '#models/invoice_record'

/**
 * The Autotask HTML copy of an invoice. It is foreign HTML, so it is served on
 * its own URL under a CSP sandbox (no scripts, no requests, no forms) and shown
 * in an <iframe sandbox> beside our rendering of the Xero invoice.
 */
@inject()
export default class InvoiceOriginalsController {
  constructor(
    protected products: ProductService,
    protected lists: RecordListService
  ) {}

  async show(ctx: HttpContext) {
    const product = await this.products.findForAccount(ctx.account, ctx.params.product_id)
    await ctx.bouncer.with(ProductPolicy).authorize('view', product)
    const invoice = (await this.lists.find('invoice', product, ctx.params.id)) as InvoiceRecord
    const html = invoice.autotaskHtml
      ? invoice.autotaskHtml
      : '<p style="font-family:sans-serif">Autotask has not provided an HTML copy of this invoice yet.</p>'
    ctx.response.header(
      'Content-Security-Policy',
      "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    )
    ctx.response.header('X-Content-Type-Options', 'nosniff')
    ctx.response.header('Content-Type', 'text/html; charset=utf-8')
    return ctx.response.send(html)
  }
}
