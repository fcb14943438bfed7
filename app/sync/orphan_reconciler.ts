import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import InvoiceRecord from '#models/invoice_record'
import type Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import type { XeroGateway, XeroInvoice, XeroInvoiceInput } from '#integrations/xero/xero_gateway'
import { XERO_BATCH_LIMIT } from '#integrations/xero/xero_gateway'
import SyncLogService, { type LogLineInput } from '#services/sync_log_service'
import { readInvoiceMarker } from '#sync/invoice_mapper'
import { batchKey } from '#sync/invoice_push'
import { Clock } from '#sync/clock'
import type { DateTime } from 'luxon'

/** Margin on the last pass's time, for the clocks of this machine and Xero's not agreeing. */
const CLOCK_SKEW_MINUTES = 10

export interface ReconcileOutcome {
  removed: number
  kept: number
}

interface Orphan {
  invoice: XeroInvoice
  record: InvoiceRecord
}

/**
 * Xero invoices that carry our marker for an Autotask invoice linked to another Xero invoice are
 * orphans: a write that reached Xero after another worker had created and linked the same invoices.
 * Each is removed while Xero allows it (a draft or submitted one deleted, an approved one without
 * payments voided), and logged; one it cannot remove is logged as an error, which Sync Logs show.
 */
@inject()
export default class OrphanReconciler {
  constructor(
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  /** One pass over what changed in Xero since the last pass (or since `from`, e.g. to look further back once). */
  async run(
    product: Product,
    xero: XeroGateway,
    options: { syncRunId?: number; from?: DateTime } = {}
  ): Promise<ReconcileOutcome> {
    const syncRunId = options.syncRunId ?? null
    const startedAt = this.clock.now()
    const from = options.from ?? product.orphansCheckedAt ?? startedAt.minus({ days: 1 })
    const since = from.minus({ minutes: CLOCK_SKEW_MINUTES })
    const orphans: Orphan[] = []
    for (let page = 1; ; page++) {
      const { invoices, more } = await xero.invoicesModifiedSince(
        xeroConnectionOf(product),
        since.toJSDate(),
        page
      )
      orphans.push(...(await this.orphansAmong(product, invoices)))
      if (!more) break
    }

    const lines: LogLineInput[] = []
    const line = (
      { record, invoice }: Orphan,
      level: 'info' | 'error',
      event: string,
      text: string
    ) => {
      const copy = `Xero invoice ${invoice.invoiceNumber ?? invoice.invoiceId}`
      const linked = record.xeroInvoiceNumber ?? record.xeroInvoiceId
      lines.push({
        productId: product.id,
        syncRunId,
        invoiceRecordId: record.id,
        autotaskId: record.autotaskId,
        level,
        event,
        message: `${copy} is a second copy of invoice ${record.invoiceNumber} (linked to ${linked}): ${text}`,
        actor: 'engine',
      })
    }
    const kept = (orphan: Orphan, why: string) => {
      line(
        orphan,
        'error',
        'invoice.orphan_kept',
        `${why} Remove it in Xero by hand if it should not be there.`
      )
      const ids = {
        productId: product.id,
        xeroInvoiceId: orphan.invoice.invoiceId,
        recordId: orphan.record.id,
      }
      logger.warn(ids, 'a stray copy of an invoice was left in Xero')
    }

    const removable: { orphan: Orphan; status: 'DELETED' | 'VOIDED' }[] = []
    for (const orphan of orphans) {
      const { invoice } = orphan
      const moneyOn =
        Number(invoice.amountPaid) > 0 || Number(invoice.amountDue) < Number(invoice.total)
      if (invoice.status === 'DRAFT' || invoice.status === 'SUBMITTED')
        removable.push({ orphan, status: 'DELETED' })
      else if (invoice.status === 'AUTHORISED' && !moneyOn)
        removable.push({ orphan, status: 'VOIDED' })
      else {
        const why =
          invoice.status === 'PAID'
            ? 'it is paid'
            : moneyOn
              ? 'a payment or credit note is allocated to it'
              : `it is ${invoice.status.toLowerCase()}`
        kept(orphan, `${why}, so Xero does not let us remove it.`)
      }
    }
    let removed = 0
    for (let start = 0; start < removable.length; start += XERO_BATCH_LIMIT) {
      const chunk = removable.slice(start, start + XERO_BATCH_LIMIT)
      const inputs: XeroInvoiceInput[] = chunk.map(({ orphan, status }) => ({
        invoiceId: orphan.invoice.invoiceId,
        type: 'ACCREC',
        contact: { contactId: orphan.invoice.contactId ?? undefined },
        status,
      }))
      const idempotencyKey = batchKey('orphans', product, inputs)
      const results = await xero.updateInvoices(xeroConnectionOf(product), inputs, {
        idempotencyKey,
      })
      for (const result of results) {
        const { orphan, status } = chunk[result.index]
        if (result.ok) {
          removed++
          line(
            orphan,
            'info',
            'invoice.orphan_removed',
            `${status === 'DELETED' ? 'deleted' : 'voided'} in Xero.`
          )
        } else {
          kept(
            orphan,
            `Xero refused to ${status === 'DELETED' ? 'delete' : 'void'} it: ${result.messages.join(' ')}`
          )
        }
      }
    }

    await this.logs.writeMany(lines)
    product.orphansCheckedAt = startedAt
    await product.save()
    return { removed, kept: orphans.length - removed }
  }

  /**
   * Of these Xero invoices, those marked as this product's whose record is linked to another Xero
   * invoice. One whose record is unlinked is no orphan: the next push finds it by its marker and links it;
   * nor one whose record a worker holds right now.
   */
  private async orphansAmong(product: Product, invoices: XeroInvoice[]): Promise<Orphan[]> {
    const marked = invoices.flatMap((invoice) => {
      const mark = readInvoiceMarker(invoice.url)
      const live =
        invoice.type === 'ACCREC' && invoice.status !== 'DELETED' && invoice.status !== 'VOIDED'
      return live && mark?.productId === product.id ? [{ invoice, mark }] : []
    })
    if (marked.length === 0) return []
    const ids = [...new Set(marked.map(({ mark }) => mark.recordId))]
    const found = await InvoiceRecord.query().where('product_id', product.id).whereIn('id', ids)
    const records = new Map(found.map((record) => [record.id, record]))
    return marked.flatMap(({ invoice, mark }) => {
      const record = records.get(mark.recordId)
      if (!record || record.autotaskId !== mark.autotaskId || record.status === 'processing')
        return []
      if (!record.xeroInvoiceId || record.xeroInvoiceId === invoice.invoiceId) return []
      return [{ invoice, record }]
    })
  }
}
