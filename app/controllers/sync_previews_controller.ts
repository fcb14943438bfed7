import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductPolicy from '#policies/product_policy'
import SyncPreviewService from '#services/sync_preview_service'
import { sendExport, type ExportColumn } from '#services/record_export_service'
import { auditWeb } from '#services/audit_service'
import { KIND_LABELS, OUTCOME_LABELS, type PreviewRecord } from '#sync/sync_preview'

const labels = { kindLabels: KIND_LABELS, outcomeLabels: OUTCOME_LABELS }

/** The preview's export columns: the record, what Xero would get, or the reason and the fix. */
const exportColumns: ExportColumn<PreviewRecord>[] = [
  { header: 'Kind', value: (r) => KIND_LABELS[r.kind] },
  { header: 'Autotask ID', value: (r) => r.autotaskId },
  { header: 'Number', value: (r) => r.number },
  { header: 'Company', value: (r) => r.party },
  { header: 'Date', value: (r) => r.date },
  { header: 'Currency', value: (r) => r.currency },
  { header: 'Total', value: (r) => Number(r.total) },
  { header: 'Tax', value: (r) => Number(r.tax) },
  { header: 'Lines', value: (r) => r.lines },
  { header: 'Outcome', value: (r) => OUTCOME_LABELS[r.outcome] },
  { header: 'In Xero', value: (r) => r.operation ?? null },
  {
    header: 'Xero number',
    value: (r) => (r.outcome === 'ready' ? (r.xeroNumber ?? '(Xero numbers it)') : null),
  },
  { header: 'Xero contact', value: (r) => r.contact?.name ?? null },
  { header: 'Contact', value: (r) => r.contact?.how ?? null },
  { header: 'Reason', value: (r) => r.reason ?? null },
  { header: 'Fix', value: (r) => r.hint ?? null },
  { header: 'Notes', value: (r) => (r.notes?.length ? r.notes.join(' ') : null) },
]

/** "Preview next sync": owners and admins start it, watch it run, open each payload, export it. */
@inject()
export default class SyncPreviewsController {
  constructor(protected previews: SyncPreviewService) {}

  /** The latest preview; for htmx only its panel, which polls itself while the preview runs. */
  async show(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const preview = await this.previews.latest(product)
    const state = { product, preview, activeTab: 'sync_logs.index', ...labels }
    if (ctx.isHtmx) return ctx.view.render('partials/sync_previews/result', state)
    return ctx.view.render('pages/sync_previews/show', state)
  }

  async store(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const { preview } = await this.previews.start(product, ctx.auth.getUserOrFail().email)
    await auditWeb(ctx, 'product.previewed', { product })
    if (ctx.isHtmx)
      return ctx.view.render('partials/sync_previews/result', { product, preview, ...labels })
    return ctx.response.redirect().toRoute('sync_previews.show', { product_id: product.id })
  }

  /** One record's Xero payload, loaded when a person opens it. */
  async payload(ctx: HttpContext) {
    const record = await this.record(ctx)
    if (!record) return ctx.response.notFound('No such record in the latest preview.')
    return ctx.view.render('partials/sync_previews/payload', {
      record,
      json: record.payload === undefined ? null : JSON.stringify(record.payload, null, 2),
    })
  }

  async export(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const preview = await this.previews.latest(product)
    if (!preview?.result) return ctx.response.notFound('No finished preview to export.')
    const format = ctx.params.format === 'xlsx' ? 'xlsx' : 'csv'
    const records = preview.result.records
    return sendExport(ctx.response, {
      sheet: 'Preview',
      columns: exportColumns,
      name: `preview-${product.id}`,
      date: preview.startedAt.toISODate(),
      format,
      rows: (async function* () {
        yield* records
      })(),
    })
  }

  private async record(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const preview = await this.previews.latest(product)
    if (!preview?.result || preview.id !== Number(ctx.params.preview_id)) return null
    return preview.result.records[Number(ctx.params.index)] ?? null
  }
}
