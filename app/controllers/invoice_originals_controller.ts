import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import RecordListService from '#services/record_list_service'
import InvoiceCopyService, { type InvoiceCopyResult } from '#services/invoice_copy_service'
import XeroInvoiceViewService, { type XeroInvoiceView } from '#services/xero_invoice_view_service'
import type InvoiceRecord from '#models/invoice_record'
import type Product from '#models/product'

/** Scripts, forms, requests and same-origin access are all off: the copy is foreign HTML. */
export const COPY_CSP =
  "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"

/**
 * "View originals" (the blue button): Autotask's HTML copy of an invoice beside
 * what Xero holds. The view renders at once; the copy loads into its slot
 * (`copy`), fetched from Autotask on the first view only, and is served on its
 * own URL (`frame`) under a CSP sandbox for an <iframe sandbox>. What Xero holds
 * loads into its own slot (`xero`), read from Xero on open and cached briefly.
 */
@inject()
export default class InvoiceOriginalsController {
  constructor(
    protected lists: RecordListService,
    protected copies: InvoiceCopyService,
    protected xeroViews: XeroInvoiceViewService
  ) {}

  /** The originals view: a dialog for htmx, a page otherwise. Never calls Autotask. */
  async show(ctx: HttpContext) {
    const { product, record } = await this.invoice(ctx)
    const copy: InvoiceCopyResult | null = record.autotaskHtml ? { ok: true, fetched: false } : null
    return this.render(ctx, { product, record, copy })
  }

  /** The copy's slot: fetches the copy if the record has none yet, then shows it (or why it cannot). */
  async copy(ctx: HttpContext) {
    const { product, record } = await this.invoice(ctx)
    const copy = await this.copies.ensure(product, record, ctx.auth.getUserOrFail().email)
    if (ctx.isHtmx)
      return ctx.view.render('partials/invoice_originals/autotask_copy', { product, record, copy })
    return this.render(ctx, { product, record, copy })
  }

  /** The Xero side's slot: what Xero holds for the linked invoice, read on open (cached for a minute). */
  async xero(ctx: HttpContext) {
    const { product, record } = await this.invoice(ctx)
    const xero = await this.xeroViews.read(product, record)
    if (ctx.isHtmx)
      return ctx.view.render('partials/invoice_originals/xero_invoice', { product, record, xero })
    const copy: InvoiceCopyResult | null = record.autotaskHtml ? { ok: true, fetched: false } : null
    return this.render(ctx, { product, record, copy, xero })
  }

  /** The stored copy itself, for the iframe: no scripts, no requests, no same-origin access. */
  async frame(ctx: HttpContext) {
    const { record } = await this.invoice(ctx)
    const html = record.autotaskHtml
      ? record.autotaskHtml
      : '<p style="font-family:sans-serif">Autotask\'s copy of this invoice has not been fetched yet.</p>'
    ctx.response.header('Content-Security-Policy', COPY_CSP)
    ctx.response.header('X-Content-Type-Options', 'nosniff')
    ctx.response.header('Referrer-Policy', 'no-referrer')
    ctx.response.header('Cache-Control', 'private, no-store')
    ctx.response.header('Content-Type', 'text/html; charset=utf-8')
    return ctx.response.send(html)
  }

  protected async render(
    ctx: HttpContext,
    state: {
      product: Product
      record: InvoiceRecord
      copy: InvoiceCopyResult | null
      xero?: XeroInvoiceView
    }
  ) {
    const view = { xero: null, ...state, activeTab: 'invoices.index' }
    if (ctx.isHtmx) return ctx.view.render('partials/invoice_originals/dialog', view)
    return ctx.view.render('pages/invoice_originals/show', view)
  }

  protected async invoice(ctx: HttpContext) {
    const product = ctx.product
    const record = (await this.lists.find('invoice', product, ctx.params.id)) as InvoiceRecord
    return { product, record }
  }
}
