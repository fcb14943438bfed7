import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import RecordListService, { type RecordFilters } from '#services/record_list_service'
import RecordStatusService, {
  resyncOutcome,
  type RecordAction,
} from '#services/record_status_service'
import RecordExportService, { sendExport } from '#services/record_export_service'
import ProductPolicy from '#policies/product_policy'
import { filledQuery, recordFiltersValidator } from '#validators/record_filters'
import { recordKinds, type AnyRecord, type RecordKind } from '#sync/record_kinds'
import SyncLog from '#models/sync_log'
import InvoiceRecord from '#models/invoice_record'
import DiagnosticTrace from '#sync/diagnostic_trace'
import type Product from '#models/product'
import { auditWeb } from '#services/audit_service'

/**
 * The Invoices and Purchase Orders tabs share everything but their columns:
 * the grid (search, status filter, paging), the status dialog with its log and
 * actions, and the exports. Subclasses name the kind; `recordKinds` holds the rest.
 */
@inject()
export default abstract class RecordsController {
  abstract kind: RecordKind

  constructor(
    protected lists: RecordListService,
    protected statuses: RecordStatusService,
    protected exports: RecordExportService
  ) {}

  async index(ctx: HttpContext) {
    const product = ctx.product
    const filters = await ctx.request.validateUsing(recordFiltersValidator, {
      data: filledQuery(ctx.request.qs()),
    })
    const page = await this.lists.page(this.kind, product, filters)
    const state = {
      product,
      ...page,
      filters,
      pageUrl: this.pageUrl(product, filters),
      ...this.viewNames(),
    }
    if (ctx.isHtmx && ctx.request.header('hx-target') === 'records-table') {
      return ctx.view.render('partials/records/table', state)
    }
    return ctx.view.render(`pages/${this.recordKind.plural}/index`, state)
  }

  async show(ctx: HttpContext) {
    const record = await this.lists.find(this.kind, ctx.product, ctx.params.id)
    return this.renderDialog(ctx, ctx.product, record)
  }

  async resync(ctx: HttpContext) {
    return this.act(ctx, 'resync')
  }

  async skip(ctx: HttpContext) {
    return this.act(ctx, 'skip')
  }

  async unskip(ctx: HttpContext) {
    return this.act(ctx, 'unskip')
  }

  /** Staff: Diagnostic Mode, a dry-run trace of an invoice (a purchase order only changes status). */
  async diagnose(ctx: HttpContext) {
    return this.act(ctx, 'diagnose')
  }

  async release(ctx: HttpContext) {
    return this.act(ctx, 'release')
  }

  async export(ctx: HttpContext) {
    const product = ctx.product
    const filters = await ctx.request.validateUsing(recordFiltersValidator, {
      data: filledQuery(ctx.request.qs()),
    })
    const format =
      ctx.params.format === 'xlsx' ? 'xlsx' : ctx.params.format === 'csv' ? 'csv' : null
    if (!format) return ctx.response.notFound()
    return sendExport(ctx.response, {
      ...this.exports.sheet(this.kind),
      name: `${this.recordKind.plural}-${product.id}`,
      format,
      rows: this.lists.stream(this.kind, product, filters),
    })
  }

  /** One status move by a person; the dialog shows the outcome (or why it was refused, with a 422). */
  protected async act(ctx: HttpContext, action: RecordAction) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    if (action === 'diagnose' || action === 'release')
      await ctx.bouncer.with(ProductPolicy).authorize(action, product)
    const user = ctx.auth.getUserOrFail()
    const record = await this.lists.find(this.kind, product, ctx.params.id)
    const result =
      action === 'diagnose' && record instanceof InvoiceRecord
        ? await (
            await ctx.containerResolver.make(DiagnosticTrace)
          ).enter(product, record, user.email)
        : await this.statuses.apply(this.kind, record, action, user.email)
    if (result.ok)
      await auditWeb(ctx, `record.${action}`, {
        product,
        record: { kind: this.kind, id: record.id, label: this.recordKind.numberOf(record) },
      })
    ctx.response.header('HX-Trigger', 'records-changed')
    if (!result.ok) ctx.response.status(422)
    const notice =
      result.ok && action === 'resync'
        ? `${record.statusLabel} again; ${resyncOutcome(this.kind, record)}`
        : null
    if (!ctx.isHtmx) {
      ctx.session.flash(
        result.ok ? 'notice' : 'alert',
        result.ok ? (notice ?? `Done: ${record.statusLabel}.`) : result.reason
      )
      return ctx.response
        .redirect()
        .toRoute(this.recordKind.routes.show, { product_id: product.id, id: record.id })
    }
    return this.renderDialog(ctx, product, record, result.ok ? null : result.reason, notice)
  }

  protected async renderDialog(
    ctx: HttpContext,
    product: Product,
    record: AnyRecord,
    error: string | null = null,
    notice: string | null = null
  ) {
    const logs = await SyncLog.query()
      .where(this.recordKind.logColumn, record.id)
      .orderBy('id', 'asc')
      .limit(500)
    const state = { product, record, logs, error, notice, ...this.viewNames() }
    if (ctx.isHtmx) return ctx.view.render('partials/records/dialog', state)
    return ctx.view.render(`pages/${this.recordKind.plural}/show`, state)
  }

  /** The grid's URL with its search and status kept, at a cursor ("Newer" and "Older" links). */
  protected pageUrl(product: Product, filters: RecordFilters) {
    const base = router.makeUrl(this.recordKind.routes.index, { product_id: product.id })
    return (cursor: { before?: number; after?: number }) => {
      const qs = new URLSearchParams()
      if (filters.q) qs.set('q', filters.q)
      if (filters.status) qs.set('status', filters.status)
      for (const [name, value] of Object.entries(cursor)) qs.set(name, String(value))
      return `${base}?${qs}`
    }
  }

  protected get recordKind() {
    return recordKinds[this.kind]
  }

  protected viewNames() {
    return { kind: this.kind, recordKind: this.recordKind, activeTab: this.recordKind.routes.index }
  }
}
