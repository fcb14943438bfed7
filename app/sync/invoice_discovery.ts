import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import { Decimal } from 'decimal.js'
import db from '@adonisjs/lucid/services/db'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import type { BillingItem, Company, Invoice } from '#integrations/autotask/types'
import InvoiceRecord, { type StoredInvoiceLine } from '#models/invoice_record'
import type Product from '#models/product'
import type SyncRun from '#models/sync_run'
import { rowsFor } from '#models/columns'
import SyncLogService, { type LogLineInput } from '#services/sync_log_service'
import { Clock } from '#sync/clock'
import { fitText } from '#sync/text'
import { markVoidedInAutotask, voidFollowUp } from '#sync/void_marks'
import type { RecordCurrency, RunCurrencies } from '#sync/currencies'
import type { DiscoveryFeed } from '#sync/discovery_feed'
import { retryingDeadlocks } from '#sync/deadlocks'

export interface DiscoveryStats {
  found: number
  pending: number
  skipped: number
  numbered: number
  /** Autotask ids of the invoices this run downloaded (new, or numbered since): the push need not check them again */
  downloaded: Set<number>
}

const MAX_DAYS_BACK = 90

/** An invoice a discovery would store, unsaved, with the reason it would be skipped (or null). */
export interface PeekedInvoice {
  record: InvoiceRecord
  skip: string | null
}

/**
 * Phase 1 (metadata download): new Autotask invoices since the product's cursor,
 * with their billing items and companies, a page (≤ 500) at a time in three
 * calls, stored as `pending` (or `skipped` with the reason). Invoices of an
 * unfinished billing run are stored without a number and wait. The cursor is
 * committed last, so a crash only means the page is read again (rows are unique).
 */
@inject()
export default class InvoiceDiscovery {
  constructor(
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  async run(
    product: Product,
    run: SyncRun,
    autotask: AutotaskClient,
    currencies: RunCurrencies,
    beside: {
      /** told of each stored page, for a push running beside discovery */
      feed?: DiscoveryFeed
      /** filled as pages are stored (before their records can be claimed), for that push to read */
      downloaded?: Set<number>
    } = {}
  ): Promise<DiscoveryStats> {
    const stats: DiscoveryStats = {
      found: 0,
      pending: 0,
      skipped: 0,
      numbered: 0,
      downloaded: beside.downloaded ?? new Set(),
    }
    const since = this.since(product)
    let cursor = since

    // The next page is read while this one's lines and companies are read and stored: nothing is
    // stored out of order, and the cursor still moves only once every page is stored.
    for await (const page of readingAhead(autotask.invoicesSince(since.toJSDate()))) {
      const stored = await this.storePage(
        product,
        run,
        autotask,
        page,
        currencies,
        stats.downloaded
      )
      stats.found += stored.found
      stats.pending += stored.pending
      stats.skipped += stored.skipped
      if (stored.found) beside.feed?.stored(stored.pending)
      // No further ahead of the push than it can use (DiscoveryFeed.room).
      await beside.feed?.room()
      for (const invoice of page) {
        for (const stamp of [invoice.createDateTime, invoice.voidedDate]) {
          const at = stamp ? DateTime.fromISO(stamp, { zone: 'utc' }) : null
          if (at?.isValid && at > cursor) cursor = at
        }
      }
    }
    stats.numbered = await this.numberWaitingInvoices(product, run, autotask, stats.downloaded)

    if (!product.invoiceCursor || cursor > product.invoiceCursor) {
      product.invoiceCursor = cursor
      await product.save()
    }
    return stats
  }

  /**
   * What `run` would store and change, without storing or changing anything (the
   * sync preview): the same pages and the same Autotask calls, the cursor left
   * where it is. New invoices come back as unsaved records; `voided` names the
   * held pending or faulted ones a run would skip; `waiting` are the held ones
   * without a number, fetched again (numbered ones refreshed, unsaved).
   */
  async peek(product: Product, autotask: AutotaskClient, currencies: RunCurrencies) {
    const fresh: PeekedInvoice[] = []
    const voided = new Set<number>()
    for await (const page of readingAhead(autotask.invoicesSince(this.since(product).toJSDate()))) {
      const known = await this.knownOf(product, page)
      for (const invoice of page) {
        const row = known.get(invoice.id)
        if (invoice.isVoided && row && (row.status === 'pending' || row.status === 'fault'))
          voided.add(invoice.id)
      }
      for (const { record, skip } of await this.freshRows(
        product,
        autotask,
        page,
        known,
        currencies
      ))
        fresh.push({ record: new InvoiceRecord().merge(record), skip })
    }
    return { fresh, voided, waiting: await this.waitingNumbered(product, autotask) }
  }

  /** Where discovery starts: the cursor, or the days back the settings name (at most 90). */
  private since(product: Product) {
    return (
      product.invoiceCursor ??
      this.clock
        .now()
        .startOf('day')
        .minus({ days: Math.min(MAX_DAYS_BACK, product.effectiveSettings.daysBack) })
    )
  }

  /** Our rows for a page's invoices, by Autotask id. */
  private async knownOf(product: Product, page: Invoice[]) {
    return new Map(
      (
        await db
          .from('invoice_records')
          .select('autotask_id', 'status', 'id', 'xero_invoice_number', 'xero_type')
          .where('product_id', product.id)
          .whereIn(
            'autotask_id',
            page.map((invoice) => invoice.id)
          )
      ).map((row) => [Number(row.autotask_id), row])
    )
  }

  /** The page's invoices we do not hold yet, with their lines and companies (two calls), as they would be stored. */
  private async freshRows(
    product: Product,
    autotask: AutotaskClient,
    page: Invoice[],
    known: Map<number, unknown>,
    currencies: RunCurrencies
  ) {
    const fresh = page.filter((invoice) => !known.has(invoice.id))
    if (fresh.length === 0) return []
    const [lines, companies] = await Promise.all([
      autotask.billingItemsForInvoices(fresh.map((invoice) => invoice.id)),
      autotask.companiesByIds([...new Set(fresh.map((invoice) => invoice.companyID))]),
    ])
    const settings = product.effectiveSettings
    const currencyOf = await currencies.ofCompanies(
      fresh.map((invoice) => invoice.companyID),
      companies
    )
    return fresh.map((invoice) => {
      const record = toRecord(
        product,
        invoice,
        lines.get(invoice.id) ?? [],
        companies.get(invoice.companyID),
        currencyOf.get(invoice.companyID)!
      )
      const skip = skipReason(invoice, record, settings.skipZeroTotal, settings.skipCompanyIds)
      return {
        invoice,
        // Every row of one INSERT has the same columns: a company Autotask did not return has no territory.
        record: {
          autotaskTerritoryId: null,
          ...record,
          status: skip ? ('skipped' as const) : ('pending' as const),
        },
        skip,
      }
    })
  }

  private async storePage(
    product: Product,
    run: SyncRun,
    autotask: AutotaskClient,
    page: Invoice[],
    currencies: RunCurrencies,
    downloaded: Set<number>
  ) {
    const result = { found: 0, pending: 0, skipped: 0 }
    if (page.length === 0) return result
    const known = await this.knownOf(product, page)
    await this.noteVoids(
      product,
      run,
      page.filter((invoice) => invoice.isVoided && known.has(invoice.id)),
      known
    )

    const rows = await this.freshRows(product, autotask, page, known, currencies)
    if (rows.length === 0) return result
    const fresh = rows.map((row) => row.invoice)
    // One transaction per page: five hundred rows in one INSERT, their log lines in another, one commit
    // (run again if MySQL chose it as a deadlock's victim: the push claims beside it).
    await retryingDeadlocks(() =>
      db.transaction(async (trx) => {
        Object.assign(result, { found: 0, pending: 0, skipped: 0 }) // counted again on a retry
        await trx.table(InvoiceRecord.table).multiInsert(
          rowsFor(
            InvoiceRecord,
            rows.map((row) => row.record)
          )
        )
        const ids = new Map(
          (
            await trx
              .from(InvoiceRecord.table)
              .select('id', 'autotask_id')
              .where('product_id', product.id)
              .whereIn(
                'autotask_id',
                fresh.map((invoice) => invoice.id)
              )
          ).map((row) => [Number(row.autotask_id), Number(row.id)])
        )
        // Before the commit: a push running beside discovery may claim these rows as soon as it lands.
        for (const { record } of rows) downloaded.add(record.autotaskId)
        const logLines: LogLineInput[] = rows.map(({ record, skip }) => {
          if (skip) result.skipped++
          else result.pending++
          result.found++
          const what = record.invoiceNumber
            ? `Invoice ${record.invoiceNumber}`
            : `Invoice #${record.autotaskId} (billing run not finished, no number yet)`
          return {
            productId: product.id,
            syncRunId: run.id,
            invoiceRecordId: ids.get(record.autotaskId) ?? null,
            autotaskId: record.autotaskId,
            event: skip ? 'invoice.skipped' : 'invoice.discovered',
            message: `${what} found for ${record.companyName ?? 'an unknown company'} (${record.currency} ${record.total.toFixed(2)}): ${skip ? `Skipped Over, ${skip}` : 'Pending Sync'}`,
            actor: 'engine',
          }
        })
        await this.logs.writeMany(logLines, trx)
      })
    )
    return result
  }

  /** A voided invoice we already hold: skip it if it has not gone out; warn if it is in Xero. */
  private async noteVoids(
    product: Product,
    run: SyncRun,
    voided: Invoice[],
    known: Map<number, any>
  ) {
    for (const invoice of voided) {
      const row = known.get(invoice.id)
      if (row.status === 'pending' || row.status === 'fault') {
        const changed = await db
          .from('invoice_records')
          .where('id', row.id)
          .whereIn('status', ['pending', 'fault'])
          .update({ status: 'skipped', fault_reason: null, fault_hint: null })
        if (Number(changed) === 1) {
          await this.logs.write({
            productId: product.id,
            syncRunId: run.id,
            invoiceRecordId: row.id,
            autotaskId: invoice.id,
            event: 'invoice.skipped',
            message: `Invoice ${invoice.invoiceNumber ?? invoice.id} was voided in Autotask: Skipped Over`,
            actor: 'engine',
          })
        }
      } else if (row.status === 'synced') {
        const first = await markVoidedInAutotask(row.id, this.clock.now())
        await this.logs.write({
          productId: product.id,
          syncRunId: run.id,
          invoiceRecordId: row.id,
          autotaskId: invoice.id,
          level: 'warn',
          event: 'invoice.voided_after_sync',
          message: `Invoice ${invoice.invoiceNumber ?? invoice.id} was voided in Autotask after it reached Xero as ${row.xero_type === 'ACCRECCREDIT' ? 'credit note ' : ''}${row.xero_invoice_number ?? 'an invoice'}: ${voidFollowUp(product, first, row.xero_type === 'ACCRECCREDIT' ? 'credit note' : 'invoice')}`,
          actor: 'engine',
        })
      }
    }
  }

  /**
   * Pending invoices stored without a number, fetched again (one call, plus one for the lines of
   * those numbered since): each comes back with `invoice` (undefined when deleted in Autotask)
   * and, once numbered, merged with its new fields (unsaved).
   */
  private async waitingNumbered(product: Product, autotask: AutotaskClient) {
    const waiting = await InvoiceRecord.query()
      .where('product_id', product.id)
      .where('status', 'pending')
      .whereNull('invoice_number')
      .limit(2000)
    if (waiting.length === 0) return []
    const current = await autotask.invoicesByIds(waiting.map((record) => record.autotaskId))
    const numbered = waiting.filter((record) => current.get(record.autotaskId)?.invoiceNumber)
    const lines = numbered.length
      ? await autotask.billingItemsForInvoices(numbered.map((r) => r.autotaskId))
      : new Map()
    return waiting.map((record) => {
      const invoice = current.get(record.autotaskId)
      if (invoice?.invoiceNumber)
        record.merge(
          toRecord(
            product,
            invoice,
            lines.get(invoice.id) ?? [],
            undefined,
            record,
            record.companyName
          )
        )
      return { record, invoice }
    })
  }

  /** Invoices stored before their billing run finished: fetch them again; once numbered, they can sync. */
  private async numberWaitingInvoices(
    product: Product,
    run: SyncRun,
    autotask: AutotaskClient,
    downloaded: Set<number>
  ) {
    let count = 0
    for (const { record, invoice } of await this.waitingNumbered(product, autotask)) {
      if (!invoice) {
        record.status = 'skipped'
        await record.save()
        await this.logs.write({
          productId: product.id,
          syncRunId: run.id,
          invoiceRecordId: record.id,
          autotaskId: record.autotaskId,
          event: 'invoice.skipped',
          message: `Invoice #${record.autotaskId} was deleted in Autotask before its billing run finished: Skipped Over`,
          actor: 'engine',
        })
        continue
      }
      if (!invoice.invoiceNumber) continue
      downloaded.add(record.autotaskId)
      await record.save()
      count++
      await this.logs.write({
        productId: product.id,
        syncRunId: run.id,
        invoiceRecordId: record.id,
        autotaskId: record.autotaskId,
        event: 'invoice.numbered',
        message: `Billing run finished: invoice #${record.autotaskId} is now ${invoice.invoiceNumber}, Pending Sync`,
        actor: 'engine',
      })
    }
    return count
  }
}

/**
 * The pages of `pages`, each next one asked for as soon as the one before it arrives (one page ahead,
 * so Autotask's Invoices endpoint has at most one call of ours in flight, as before). A failure to read
 * a page is thrown where that page is asked for, after the pages before it were handled; a consumer
 * that stops early (its own failure) waits for the page in flight before the source is closed.
 */
async function* readingAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const iterator = pages[Symbol.asyncIterator]()
  let next = iterator.next()
  let finished = false
  try {
    for (;;) {
      const current = await next
      if (current.done) {
        finished = true
        return
      }
      next = iterator.next()
      // Awaited at the next turn; until then a failure must not count as unhandled.
      next.catch(() => {})
      yield current.value
    }
  } finally {
    if (!finished) {
      await next.catch(() => {})
      await iterator.return?.()
    }
  }
}

/** Our record's fields from an Autotask invoice, its billing items, its company and the currency that names. */
export function toRecord(
  product: Product,
  invoice: Invoice,
  items: BillingItem[],
  company: Company | undefined,
  currency: RecordCurrency,
  knownCompanyName?: string | null
) {
  const total = new Decimal(invoice.invoiceTotal ?? 0)
  const tax = new Decimal(invoice.totalTaxValue ?? 0)
  const lines: StoredInvoiceLine[] = [...items]
    .sort((a, b) => (a.sortOrderID ?? a.id) - (b.sortOrderID ?? b.id))
    .map((item) => ({
      autotaskId: item.id,
      description: (
        item.lineItemFullDescription ||
        item.description ||
        item.itemName ||
        'Item'
      ).trim(),
      quantity: new Decimal(item.quantity ?? 1).toFixed(),
      rate: new Decimal(item.rate ?? item.extendedPrice ?? 0).toFixed(),
      extendedPrice: new Decimal(item.extendedPrice ?? 0).toFixed(),
      taxDollars: new Decimal(item.taxDollars ?? 0).toFixed(),
      billingCodeId: item.billingCodeID,
      organizationalLevelAssociationId: item.organizationalLevelAssociationID ?? null,
    }))
  return {
    productId: product.id,
    autotaskId: invoice.id,
    invoiceNumber: invoice.invoiceNumber,
    autotaskCompanyId: invoice.companyID,
    // The column holds 255 characters, as Xero's contact name does: a longer name is cut, ending in "…".
    companyName: company?.companyName
      ? fitText(company.companyName, 255)
      : (knownCompanyName ?? null),
    invoiceDate: isoDate(invoice.invoiceDateTime ?? invoice.createDateTime),
    dueDate: isoDate(invoice.dueDate),
    subtotal: total.sub(tax),
    taxTotal: tax,
    total,
    currency: currency.currency,
    autotaskCurrencyId: currency.autotaskCurrencyId,
    autotaskTaxRegionId: invoice.taxGroup,
    autotaskTaxRegionName: invoice.taxRegionName,
    autotaskInvoiceTemplateId: invoice.invoiceEditorTemplateID ?? null,
    // Without the company (a billing run finishing), the territory read at discovery stays.
    ...(company ? { autotaskTerritoryId: company.territoryID ?? null } : {}),
    purchaseOrderNumber:
      invoice.orderNumber ??
      items.find((item) => item.purchaseOrderNumber)?.purchaseOrderNumber ??
      null,
    lines,
    attempts: 0,
    needsRefresh: false,
  }
}

function isoDate(value: string | null) {
  if (!value) return null
  const date = DateTime.fromISO(value, { zone: 'utc' })
  return date.isValid ? date.startOf('day') : null
}

function skipReason(
  invoice: Invoice,
  record: ReturnType<typeof toRecord>,
  skipZeroTotal: boolean,
  skipCompanyIds: number[]
): string | null {
  if (invoice.isVoided) return 'voided in Autotask'
  if (skipCompanyIds.includes(invoice.companyID))
    return `company ${invoice.companyID} is set never to sync`
  if (skipZeroTotal && record.invoiceNumber && record.total.isZero()) return 'the total is zero'
  return null
}
