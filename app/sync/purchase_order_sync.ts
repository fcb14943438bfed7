import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import { Decimal } from 'decimal.js'
import db from '@adonisjs/lucid/services/db'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import {
  purchaseOrderStatuses,
  type Company,
  type PurchaseOrder,
  type PurchaseOrderItem,
} from '#integrations/autotask/types'
import type {
  XeroGateway,
  XeroInvoice,
  XeroInvoiceInput,
  XeroLineItemInput,
  XeroPurchaseOrder,
  XeroPurchaseOrderInput,
  XeroPurchaseOrderStatus,
  XeroWriteBody,
  XeroWriteResult,
} from '#integrations/xero/xero_gateway'
import PurchaseOrderRecord, { type StoredPurchaseOrderLine } from '#models/purchase_order_record'
import type Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import SyncLogService from '#services/sync_log_service'
import ClaimLoop from '#sync/claim_loop'
import type { RunContext } from '#sync/run_context'
import ContactResolver, { type ContactOutcome } from '#sync/contact_resolver'
import type { OutcomeBatch, PushStats } from '#sync/record_outcomes'
import { hintFor } from '#sync/invoice_push'
import { lineAmount } from '#sync/money'
import { Clock } from '#sync/clock'
import {
  currencyProblem,
  inAutotaskCurrency,
  type RecordCurrency,
  type RunCurrencies,
} from '#sync/currencies'

/** What building a payload needs of a batch: its product, and where a note goes. */
type InputBatch = Pick<OutcomeBatch, 'product' | 'log'>

/** A purchase order as the next sync would treat it (the sync preview): its payload, or why it would not go. */
export type PurchaseOrderPreview =
  | {
      record: PurchaseOrderRecord
      outcome: 'ready'
      operation: 'create' | 'update'
      contact: ContactOutcome & { ok: true }
      /** the write: a purchase order, or a bill (an ACCPAY invoice) */
      write: XeroWriteBody
    }
  | { record: PurchaseOrderRecord; outcome: 'error'; reason: string; hint: string }
  | { record: PurchaseOrderRecord; outcome: 'skipped'; reason: string }

/** Statuses in the order Xero moves a document forward; an update never moves one back. */
const ORDER_ORDER = ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'BILLED']
const BILL_ORDER = ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'PAID']

const STATUS_NAMES: Record<number, string> = {
  1: 'New',
  2: 'Submitted',
  3: 'Received partial',
  4: 'Received full',
  5: 'Cancelled',
}

/** One purchase order on its way to Xero, and what is known of its Xero copy. */
interface Entry {
  record: PurchaseOrderRecord
  contactId: string
  cancelled: boolean
  xeroId?: string
  xeroStatus?: string
  xeroNumber?: string | null
  paid?: boolean
  /** how it was found in Xero when it was not linked, and what was found */
  foundBy?: string
  found?: XeroPurchaseOrder
  /** DELETED or VOIDED: the write that follows a cancellation */
  targetStatus?: string
}

/**
 * Purchase orders, only when no invoice of the product is waiting, in the phases
 * invoices have: discovery (Autotask POs that reached the status the settings
 * name are stored), mapping (vendor to Xero contact, what cannot go settled) and
 * push (as Xero purchase orders or bills, through the shared claim loop).
 * A resync downloads one again and updates the Xero document while Xero still
 * allows it.
 */
@inject()
export default class PurchaseOrderSync {
  constructor(
    protected loop: ClaimLoop,
    protected contacts: ContactResolver,
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  /**
   * Whether purchase orders take their turn in this run: they are on in the
   * product's settings and no invoice of the product is waiting.
   */
  async due(product: Product) {
    if (!product.effectiveSettings.purchaseOrders.enabled) return false
    const waiting = await db
      .from('invoice_records')
      .where('product_id', product.id)
      .where('status', 'pending')
      .whereNotNull('invoice_number')
      .count('* as total')
    return Number(waiting[0].total) === 0
  }

  /**
   * Discovery: new POs at the trigger status are stored Pending, and synced ones
   * that changed in Autotask go back to Pending to be followed. Returns how many are new.
   */
  async discover(context: RunContext) {
    const { product, run, autotask } = context
    const settings = product.effectiveSettings.purchaseOrders
    const found = await this.download(
      product,
      run.id,
      autotask,
      settings.triggerStatus,
      context.mapping.currencies!
    )
    await this.followChanges(product, run.id, autotask)
    return found
  }

  /** Push: every due purchase order, mapped and written through the shared claim-and-commit loop. */
  async push(context: RunContext, lanes = 1): Promise<PushStats> {
    return this.loop.run(
      context,
      {
        kind: 'purchase_order',
        load: (ids) => PurchaseOrderRecord.query().whereIn('id', ids).orderBy('id'),
        push: (batch, records) =>
          this.pushBatch(
            batch,
            records,
            context.autotask,
            context.xero,
            context.mapping.currencies!
          ),
        onBatch: (stats) => {
          context.stats.purchaseOrdersSynced = stats.synced
          context.stats.purchaseOrdersFaulted = stats.faulted
          context.progress('push')
        },
      },
      lanes
    )
  }

  /**
   * Synced purchase orders that changed status in Autotask since (part received,
   * cancelled, deleted) go back to Pending Sync, to be downloaded again and
   * followed in Xero. Autotask POs carry no last-modified time, so the open ones
   * are read again by id (fully received and cancelled ones change no more).
   */
  private async followChanges(product: Product, syncRunId: number, autotask: AutotaskClient) {
    const watched = await PurchaseOrderRecord.query()
      .where('product_id', product.id)
      .where('status', 'synced')
      .whereNotNull('xero_document_id')
      .whereNotIn('autotask_status', [
        purchaseOrderStatuses.receivedFull,
        purchaseOrderStatuses.cancelled,
      ])
    if (watched.length === 0) return
    const current = new Map<number, PurchaseOrder>()
    for (let start = 0; start < watched.length; start += 200) {
      const ids = watched.slice(start, start + 200).map((record) => record.autotaskId)
      const filter = [{ op: 'in' as const, field: 'id', value: ids }]
      for await (const page of autotask.query<PurchaseOrder>('PurchaseOrders', filter)) {
        for (const order of page) current.set(order.id, order)
      }
    }
    for (const record of watched) {
      const order = current.get(record.autotaskId)
      if (order && order.status === record.autotaskStatus) continue
      // Only while still synced: a person or another worker may have moved it meanwhile.
      const moved = await db
        .from('purchase_order_records')
        .where('id', record.id)
        .where('status', 'synced')
        .update({ status: 'pending', needs_refresh: true, attempts: 0, next_attempt_at: null })
      if (Number(moved) !== 1) continue
      const name = (status: number | null) => STATUS_NAMES[status ?? 0] ?? String(status)
      const change = order ? `${name(record.autotaskStatus)} → ${name(order.status)}` : 'deleted'
      await this.logs.writeMany([
        {
          productId: product.id,
          syncRunId,
          purchaseOrderRecordId: record.id,
          autotaskId: record.autotaskId,
          event: 'purchase_order.changed',
          message: `Purchase order ${record.poNumber} changed in Autotask (${change}): Pending Sync, to follow in Xero`,
          actor: 'engine',
        },
      ])
    }
  }

  /**
   * What the next sync would push (the sync preview), without storing or changing anything:
   * the pending ones we hold and the new ones a discovery would store (the same Autotask
   * calls), each mapped as `map` does, contacts looked up but never linked or created.
   */
  async preview(
    product: Product,
    autotask: AutotaskClient,
    xero: XeroGateway,
    currencies: RunCurrencies
  ): Promise<PurchaseOrderPreview[]> {
    const settings = product.effectiveSettings.purchaseOrders
    const records = await PurchaseOrderRecord.query()
      .where('product_id', product.id)
      .where('status', 'pending')
      .orderBy('id')
    for await (const page of autotask.purchaseOrders({
      statuses: [settings.triggerStatus],
      changedSince: this.since(product).toJSDate(),
    })) {
      const fresh = await this.freshOrders(product, autotask, page, currencies)
      records.push(...fresh.map((row) => new PurchaseOrderRecord().merge(row)))
    }
    if (records.length === 0) return []
    await currencies.prepare(records)
    const problems = new Map(
      records.map((record) => [record, currencyProblem(record, 'purchase order', currencies)])
    )
    const contacts = await this.contacts.resolve(
      product,
      xero,
      records
        .filter((record) => record.vendorCompanyId && !problems.get(record))
        .map((record) => ({
          id: record.vendorCompanyId!,
          name: record.vendorName ?? `Vendor ${record.vendorCompanyId}`,
        })),
      null,
      { dryRun: true }
    )
    const batch: InputBatch = { product, log: () => {} }
    return records.map((record): PurchaseOrderPreview => {
      const cancelled = record.autotaskStatus === purchaseOrderStatuses.cancelled
      const contact = record.vendorCompanyId ? contacts.get(record.vendorCompanyId) : undefined
      if (cancelled && !record.xeroDocumentId) {
        const reason = 'The purchase order was cancelled in Autotask before it reached Xero.'
        return { record, outcome: 'skipped', reason }
      }
      const problem = problems.get(record)
      if (problem) return { record, outcome: 'error', reason: problem.reason, hint: problem.hint }
      if (!contact?.ok) {
        return {
          record,
          outcome: 'error',
          reason: contact?.reason ?? 'The purchase order has no vendor.',
          hint: contact?.hint ?? 'Set its vendor in Autotask, then resync.',
        }
      }
      if (!cancelled && (record.lines ?? []).length === 0) {
        const hint = 'Add its items in Autotask, then resync.'
        return { record, outcome: 'error', reason: 'The purchase order has no items.', hint }
      }
      const documentType = settings.documentType === 'BILL' ? 'BILL' : 'PURCHASEORDER'
      const xeroId =
        record.xeroDocumentType === documentType ? (record.xeroDocumentId ?? undefined) : undefined
      const entry: Entry = { record, contactId: contact.contactId, cancelled, xeroId }
      if (cancelled) entry.targetStatus = 'DELETED'
      return {
        record,
        outcome: 'ready',
        operation: xeroId ? 'update' : 'create',
        contact,
        write:
          documentType === 'BILL'
            ? { kind: 'invoice', input: this.billInput(batch, entry) }
            : { kind: 'purchase_order', input: this.orderInput(batch, entry) },
      }
    })
  }

  /** Where discovery starts: the cursor, or the days back the settings name (at most 90). */
  private since(product: Product) {
    return (
      product.purchaseOrderCursor ??
      this.clock
        .now()
        .startOf('day')
        .minus({ days: Math.min(90, product.effectiveSettings.daysBack) })
    )
  }

  /** The page's orders we do not hold yet, with their items, vendors and currencies, as they would be stored. */
  private async freshOrders(
    product: Product,
    autotask: AutotaskClient,
    page: PurchaseOrder[],
    currencies: RunCurrencies
  ) {
    const known = new Set(
      (
        await db
          .from('purchase_order_records')
          .select('autotask_id')
          .where('product_id', product.id)
          .whereIn(
            'autotask_id',
            page.map((order) => order.id)
          )
      ).map((row) => Number(row.autotask_id))
    )
    const fresh = page.filter((order) => !known.has(order.id))
    if (fresh.length === 0) return []
    const [items, vendors] = await Promise.all([
      autotask.purchaseOrderItems(fresh.map((order) => order.id)),
      autotask.companiesByIds([...new Set(fresh.map((order) => order.vendorID))]),
    ])
    const currencyOf = await currencies.ofCompanies(
      fresh.map((order) => order.vendorID),
      vendors
    )
    return fresh.map((order) => ({
      ...toPurchaseOrderRecord(
        product,
        order,
        items.get(order.id) ?? [],
        vendors.get(order.vendorID),
        currencyOf.get(order.vendorID)!
      ),
      status: 'pending' as const,
    }))
  }

  /** New POs at the trigger status since the cursor, with their items and vendors; cursor committed last. */
  private async download(
    product: Product,
    syncRunId: number,
    autotask: AutotaskClient,
    status: number,
    currencies: RunCurrencies
  ) {
    const since = this.since(product)
    let cursor = since
    let found = 0
    for await (const page of autotask.purchaseOrders({
      statuses: [status],
      changedSince: since.toJSDate(),
    })) {
      for (const order of page) {
        for (const stamp of [order.createDateTime, order.submitDateTime, order.cancelDateTime]) {
          const at = stamp ? DateTime.fromISO(stamp, { zone: 'utc' }) : null
          if (at?.isValid && at > cursor) cursor = at
        }
      }
      const fresh = await this.freshOrders(product, autotask, page, currencies)
      if (fresh.length === 0) continue
      const created = await PurchaseOrderRecord.createMany(fresh)
      found += created.length
      await this.logs.writeMany(
        created.map((record) => ({
          productId: product.id,
          syncRunId,
          purchaseOrderRecordId: record.id,
          autotaskId: record.autotaskId,
          event: 'purchase_order.discovered',
          message: `Purchase order ${record.poNumber} found for ${record.vendorName ?? 'an unknown vendor'} (${record.currency} ${record.total.toFixed(2)}): Pending Sync`,
          actor: 'engine',
        }))
      )
    }
    if (!product.purchaseOrderCursor || cursor > product.purchaseOrderCursor) {
      product.purchaseOrderCursor = cursor
      await product.save()
    }
    return found
  }

  private async pushBatch(
    batch: OutcomeBatch,
    claimed: PurchaseOrderRecord[],
    autotask: AutotaskClient,
    xero: XeroGateway,
    currencies: RunCurrencies
  ) {
    // Only these may be in Xero without our link: tried before (an answer lost, a dead worker) or resynced.
    const mayExist = new Set(
      claimed.filter((r) => r.attempts > 0 || r.needsRefresh).map((r) => r.id)
    )
    const records = await this.refresh(batch, claimed, autotask, currencies)
    const ready = await this.map(batch, records, xero, mayExist, currencies)
    if (batch.product.effectiveSettings.purchaseOrders.documentType === 'BILL')
      await this.pushBills(batch, xero, ready)
    else await this.pushOrders(batch, xero, ready, mayExist)
  }

  /**
   * Mapping: each purchase order's vendor resolved to its Xero contact, and the
   * ones that cannot go (no vendor, no items, cancelled before reaching Xero)
   * settled with the reason. Returns the entries ready to write.
   */
  private async map(
    batch: OutcomeBatch,
    records: PurchaseOrderRecord[],
    xero: XeroGateway,
    mayExist: Set<number>,
    currencies: RunCurrencies
  ) {
    // Before any Xero write (a contact created): a currency the organisation has not enabled faults here.
    await currencies.prepare(records)
    const problems = new Map(
      records.map((record) => [record, currencyProblem(record, 'purchase order', currencies)])
    )
    const contacts = await this.contacts.resolve(
      batch.product,
      xero,
      records
        .filter((record) => record.vendorCompanyId && !problems.get(record))
        .map((record) => ({
          id: record.vendorCompanyId!,
          name: record.vendorName ?? `Vendor ${record.vendorCompanyId}`,
        })),
      batch.syncRunId
    )
    const ready: Entry[] = []
    for (const record of records) {
      const cancelled = record.autotaskStatus === purchaseOrderStatuses.cancelled
      const contact = record.vendorCompanyId ? contacts.get(record.vendorCompanyId) : undefined
      if (cancelled && !record.xeroDocumentId && !mayExist.has(record.id)) {
        batch.skipped(
          record,
          'The purchase order was cancelled in Autotask before it reached Xero.'
        )
        continue
      }
      const problem = problems.get(record)
      if (problem) {
        batch.fault(record, problem.reason, problem.hint)
        continue
      }
      if (!contact?.ok) {
        batch.fault(
          record,
          contact?.reason ?? 'The purchase order has no vendor.',
          contact?.hint ?? 'Set its vendor in Autotask, then resync.'
        )
        continue
      }
      if (!cancelled && (record.lines ?? []).length === 0) {
        batch.fault(
          record,
          'The purchase order has no items.',
          'Add its items in Autotask, then resync.'
        )
        continue
      }
      ready.push({ record, contactId: contact.contactId, cancelled })
    }
    return ready
  }

  /**
   * As Xero purchase orders. Linked ones are updated in place; unlinked ones that
   * may be in Xero are looked up by number (unique per organisation) first; a
   * create Xero refuses as "must be unique" (typed into Xero by hand) is looked
   * up the same way, and linked when the vendor matches.
   */
  private async pushOrders(
    batch: OutcomeBatch,
    xero: XeroGateway,
    entries: Entry[],
    mayExist: Set<number>
  ) {
    const { product, claim } = batch
    for (const entry of entries) {
      if (entry.record.xeroDocumentType === 'PURCHASEORDER')
        entry.xeroId = entry.record.xeroDocumentId ?? undefined
    }
    await this.findOrders(
      batch,
      xero,
      entries.filter((e) => !e.xeroId && mayExist.has(e.record.id))
    )
    const current = await this.currentOrders(
      batch,
      xero,
      entries.filter((e) => e.xeroId)
    )
    const writes = this.settleCancelled(current, 'PURCHASEORDER')
    const updates = [...writes, ...current.filter((e) => !e.cancelled)]
    const creates = entries.filter((e) => !e.xeroId && !batch.has(e.record))
    for (const entry of creates.filter((e) => e.cancelled)) {
      batch.skipped(
        entry.record,
        'The purchase order was cancelled in Autotask before it reached Xero.'
      )
    }
    const toCreate = creates.filter((e) => !e.cancelled)

    // Built once, outside the calls a rate limit may repeat: building one may write a log line.
    const inputs = (chosen: Entry[]) => chosen.map((e) => this.orderInput(batch, e))
    if (updates.length) {
      const payload = inputs(updates)
      const results = await batch.waitOutRateLimits(() =>
        xero.updatePurchaseOrders(xeroConnectionOf(product), payload, {
          idempotencyKey: `${claim.token}:orders-update`,
        })
      )
      this.recordResults(batch, updates, results, 'PURCHASEORDER')
    }
    if (toCreate.length === 0) return
    const payload = inputs(toCreate)
    const results = await batch.waitOutRateLimits(() =>
      xero.createPurchaseOrders(xeroConnectionOf(product), payload, {
        idempotencyKey: `${claim.token}:orders-create`,
      })
    )
    const taken = results
      .filter((r) => !r.ok && r.messages.some((m) => /must be unique/i.test(m)))
      .map((r) => toCreate[r.index])
    this.recordResults(
      batch,
      toCreate,
      results.filter((r) => !taken.includes(toCreate[r.index])),
      'PURCHASEORDER'
    )
    if (taken.length === 0) return
    await this.findOrders(batch, xero, taken)
    const found = await this.currentOrders(
      batch,
      xero,
      taken.filter((e) => e.xeroId)
    )
    for (const entry of taken.filter((e) => !found.includes(e) && !batch.has(e.record))) {
      const reason = 'Xero refused the purchase order: Purchase Order # must be unique.'
      batch.fault(entry.record, reason, hintFor('must be unique'))
    }
    if (found.length === 0) return
    const relinks = inputs(found)
    const again = await batch.waitOutRateLimits(() =>
      xero.updatePurchaseOrders(xeroConnectionOf(product), relinks, {
        idempotencyKey: `${claim.token}:orders-relink`,
      })
    )
    this.recordResults(batch, found, again, 'PURCHASEORDER')
  }

  /** Looks unlinked orders up by number; one of another vendor is not ours: it faults, nothing is changed. */
  private async findOrders(batch: OutcomeBatch, xero: XeroGateway, entries: Entry[]) {
    for (const entry of entries) {
      const number = entry.record.poNumber
      if (!number) continue
      const order = await batch.waitOutRateLimits(() =>
        xero.getPurchaseOrderByNumber(xeroConnectionOf(batch.product), number)
      )
      if (!order) continue
      if (order.contactId !== entry.contactId) {
        batch.fault(
          entry.record,
          `Xero already holds purchase order ${number} for ${order.contactName ?? 'another contact'}, ` +
            'not this vendor: nothing was changed in Xero.',
          'Renumber one of them (in Xero or Autotask), then resync.'
        )
        continue
      }
      entry.xeroId = order.purchaseOrderId
      entry.foundBy = 'number'
      entry.found = order
    }
  }

  /** The Xero copy of each linked order; one Xero no longer lets us change faults with the reason. */
  private async currentOrders(batch: OutcomeBatch, xero: XeroGateway, entries: Entry[]) {
    const open: Entry[] = []
    for (const entry of entries) {
      if (batch.has(entry.record)) continue
      const order =
        entry.found ??
        (await batch.waitOutRateLimits(() =>
          xero.getPurchaseOrder(xeroConnectionOf(batch.product), entry.xeroId!)
        ))
      if (!order) {
        // Gone from Xero altogether: created again (a new link on success).
        delete entry.xeroId
        continue
      }
      entry.xeroStatus = order.status
      entry.xeroNumber = order.purchaseOrderNumber
      if (order.status === 'DELETED' && entry.cancelled) {
        const number = order.purchaseOrderNumber ?? order.purchaseOrderId
        batch.skipped(
          entry.record,
          `The purchase order was cancelled in Autotask; Xero's ${number} is deleted.`
        )
        continue
      }
      if (order.status === 'BILLED' || order.status === 'DELETED') {
        const number = order.purchaseOrderNumber ?? order.purchaseOrderId
        this.locked(batch, entry, 'purchase order', number, order.status.toLowerCase())
        continue
      }
      open.push(entry)
    }
    return open
  }

  /**
   * As Xero bills (ACCPAY). Bill numbers are not unique in Xero, so an unlinked
   * one is always looked up by reference first and linked only when vendor,
   * reference and amount all match; two such bills fault, for a person to choose.
   */
  private async pushBills(batch: OutcomeBatch, xero: XeroGateway, entries: Entry[]) {
    const { product, claim } = batch
    for (const entry of entries) {
      if (entry.record.xeroDocumentType === 'BILL')
        entry.xeroId = entry.record.xeroDocumentId ?? undefined
    }
    await this.findBills(
      batch,
      xero,
      entries.filter((e) => !e.xeroId)
    )
    const linked = entries.filter((e) => e.xeroId && !batch.has(e.record))
    const ids = linked.map((e) => e.xeroId!)
    const found = ids.length
      ? await batch.waitOutRateLimits(() => xero.getInvoicesByIds(xeroConnectionOf(product), ids))
      : []
    const bills = new Map(found.map((bill) => [bill.invoiceId, bill]))
    const current: Entry[] = []
    for (const entry of linked) {
      const bill = bills.get(entry.xeroId!)
      if (!bill) {
        delete entry.xeroId
        continue
      }
      entry.xeroStatus = bill.status
      entry.xeroNumber = bill.invoiceNumber
      entry.paid = new Decimal(bill.amountPaid).gt(0)
      const gone = bill.status === 'VOIDED' || bill.status === 'DELETED'
      if (gone && entry.cancelled) {
        const why = bill.status.toLowerCase()
        batch.skipped(
          entry.record,
          `The purchase order was cancelled in Autotask; its Xero bill is ${why} too.`
        )
        continue
      }
      if (gone || bill.status === 'PAID' || entry.paid) {
        const why = entry.paid || bill.status === 'PAID' ? 'paid' : bill.status.toLowerCase()
        this.locked(batch, entry, 'bill', bill.invoiceNumber ?? bill.invoiceId, why)
        continue
      }
      current.push(entry)
    }
    const writes = [
      ...this.settleCancelled(current, 'BILL'),
      ...current.filter((e) => !e.cancelled),
      ...entries.filter((e) => !e.xeroId && !batch.has(e.record) && !e.cancelled),
    ]
    for (const entry of entries.filter((e) => !e.xeroId && !batch.has(e.record) && e.cancelled)) {
      batch.skipped(
        entry.record,
        'The purchase order was cancelled in Autotask before it reached Xero.'
      )
    }
    if (writes.length === 0) return
    const payload = writes.map((e) => this.billInput(batch, e))
    const results = await batch.waitOutRateLimits(() =>
      xero.updateInvoices(xeroConnectionOf(product), payload, {
        idempotencyKey: `${claim.token}:bills`,
      })
    )
    this.recordResults(batch, writes, results, 'BILL')
  }

  /** Unlinked bills looked up by reference (the PO number); only one of the same vendor and amount is ours. */
  private async findBills(batch: OutcomeBatch, xero: XeroGateway, entries: Entry[]) {
    const references = [
      ...new Set(entries.map((e) => e.record.poNumber).filter((r): r is string => Boolean(r))),
    ]
    const found: XeroInvoice[] = []
    for (let start = 0; start < references.length; start += 25) {
      const where = references
        .slice(start, start + 25)
        // Type first: a sales invoice may carry the same reference (a customer's PO number).
        .map((reference) => `Type=="ACCPAY" AND Reference=="${reference.replace(/["\\]/g, '')}"`)
        .join(' OR ')
      found.push(
        ...(await batch.waitOutRateLimits(() =>
          xero.findInvoices(xeroConnectionOf(batch.product), where)
        ))
      )
    }
    for (const entry of entries) {
      const { record } = entry
      const matches = found.filter(
        (bill) =>
          bill.type === 'ACCPAY' &&
          bill.reference === record.poNumber &&
          bill.contactId === entry.contactId &&
          bill.status !== 'DELETED' &&
          bill.status !== 'VOIDED' &&
          new Decimal(bill.subTotal).eq(record.subtotal)
      )
      if (matches.length === 1) {
        entry.xeroId = matches[0].invoiceId
        entry.foundBy = 'reference'
      } else if (matches.length > 1) {
        batch.fault(
          record,
          `Xero holds ${matches.length} bills of this vendor with reference ${record.poNumber} and the same amount ` +
            `(${matches.map((b) => b.invoiceNumber ?? b.invoiceId).join(', ')}): ` +
            "which one is this purchase order's is not clear.",
          'Delete or void the extra bills in Xero, then resync: the one left is linked.'
        )
      }
    }
  }

  /**
   * Cancelled in Autotask: a purchase order or a draft bill is deleted in Xero,
   * an approved bill voided. Returns the writes that do it.
   */
  private settleCancelled(entries: Entry[], type: 'BILL' | 'PURCHASEORDER') {
    const writes: Entry[] = []
    for (const entry of entries.filter((e) => e.cancelled)) {
      entry.targetStatus =
        type === 'BILL' && entry.xeroStatus === 'AUTHORISED' ? 'VOIDED' : 'DELETED'
      writes.push(entry)
    }
    return writes
  }

  private locked(batch: OutcomeBatch, entry: Entry, label: string, number: string, why: string) {
    const change = entry.cancelled ? 'The purchase order was cancelled in Autotask, but the' : 'The'
    batch.fault(
      entry.record,
      `${change} Xero ${label} ${number} is ${why}, and Xero does not allow changing it: nothing was changed in Xero.`,
      entry.cancelled
        ? `Reverse the ${label} in Xero by hand if it must go, then skip this purchase order.`
        : 'Change it in Xero by hand if it must change, then skip this purchase order.'
    )
  }

  /** What we send, never moving the Xero document back in its status: Xero's is kept when further along. */
  private statusFor(batch: InputBatch, entry: Entry, wanted: string, order: string[]) {
    if (entry.targetStatus) return entry.targetStatus
    const kept =
      entry.xeroStatus && order.indexOf(entry.xeroStatus) > order.indexOf(wanted)
        ? entry.xeroStatus
        : null
    if (!kept) return wanted
    const label = order === BILL_ORDER ? 'bill' : 'purchase order'
    batch.log(
      entry.record,
      'info',
      'purchase_order.status_kept',
      `Purchase order ${entry.record.poNumber}: the Xero ${label} ${entry.xeroNumber ?? ''} stays ${kept} ` +
        `(further along than the ${wanted} the sync sends); its lines and dates are updated`
    )
    return kept
  }

  private lines(batch: InputBatch, record: PurchaseOrderRecord): XeroLineItemInput[] {
    const settings = batch.product.effectiveSettings.purchaseOrders
    return (record.lines ?? []).map((line) => ({
      description: line.description,
      quantity: new Decimal(line.quantity).toFixed(4),
      unitAmount: new Decimal(line.unitCost).toFixed(4),
      lineAmount: lineAmount(line.quantity, line.unitCost).toFixed(2),
      accountCode: settings.accountCode,
      taxType: settings.taxType,
    }))
  }

  private orderInput(batch: InputBatch, entry: Entry): XeroPurchaseOrderInput {
    const { record } = entry
    if (entry.targetStatus) {
      const status = entry.targetStatus as XeroPurchaseOrderStatus
      return { purchaseOrderId: entry.xeroId, contact: { contactId: entry.contactId }, status }
    }
    return {
      purchaseOrderId: entry.xeroId,
      contact: { contactId: entry.contactId },
      purchaseOrderNumber: record.poNumber ?? undefined,
      date: record.orderDate?.toISODate() ?? undefined,
      deliveryDate: record.deliveryDate?.toISODate() ?? undefined,
      status: this.statusFor(batch, entry, 'AUTHORISED', ORDER_ORDER) as XeroPurchaseOrderStatus,
      lineAmountTypes: 'Exclusive',
      ...currencyCodeOf(record),
      lineItems: this.lines(batch, record),
    }
  }

  private billInput(batch: InputBatch, entry: Entry): XeroInvoiceInput {
    const { record } = entry
    if (entry.targetStatus) {
      const status = entry.targetStatus as 'VOIDED' | 'DELETED'
      return {
        invoiceId: entry.xeroId,
        type: 'ACCPAY',
        contact: { contactId: entry.contactId },
        status,
      }
    }
    return {
      invoiceId: entry.xeroId,
      type: 'ACCPAY',
      contact: { contactId: entry.contactId },
      invoiceNumber: record.poNumber ?? undefined,
      reference: record.poNumber ?? undefined,
      date: record.orderDate?.toISODate() ?? undefined,
      dueDate: (record.deliveryDate ?? record.orderDate)?.toISODate() ?? undefined,
      status: this.statusFor(batch, entry, 'DRAFT', BILL_ORDER) as XeroInvoiceInput['status'],
      lineAmountTypes: 'Exclusive',
      ...currencyCodeOf(record),
      lineItems: this.lines(batch, record),
    }
  }

  private recordResults(
    batch: OutcomeBatch,
    entries: Entry[],
    results: XeroWriteResult<XeroInvoice | XeroPurchaseOrder>[],
    type: 'BILL' | 'PURCHASEORDER'
  ) {
    const label = type === 'BILL' ? 'bill' : 'purchase order'
    for (const result of results) {
      const entry = entries[result.index]
      const { record } = entry
      if (!result.ok) {
        const message = result.messages.join(' ')
        batch.fault(record, `Xero refused the ${label}: ${message}`, hintFor(message))
        continue
      }
      const xeroId =
        'invoiceId' in result.value ? result.value.invoiceId : result.value.purchaseOrderId
      const number =
        'invoiceId' in result.value ? result.value.invoiceNumber : result.value.purchaseOrderNumber
      if (entry.targetStatus) {
        const done = entry.targetStatus === 'VOIDED' ? 'voided' : 'deleted'
        const document = `Xero ${label} ${number ?? xeroId}`
        const line = `Purchase order ${record.poNumber} cancelled in Autotask: ${document} ${done}`
        batch.log(record, 'info', 'purchase_order.cancelled', line)
        batch.skipped(
          record,
          `The purchase order was cancelled in Autotask; its ${document} was ${done}.`
        )
        continue
      }
      const how = entry.foundBy
        ? `found in Xero by ${entry.foundBy} and updated`
        : entry.xeroId
          ? 'updated'
          : 'created'
      batch.synced(
        record,
        { xero_document_type: type, xero_document_id: xeroId, xero_number: number },
        { kind: 'purchase_order', xeroId, xeroLabel: number },
        `Purchase order ${record.poNumber} ${how} in Xero as ${label} ${number ?? xeroId} ` +
          `(${result.value.status}, total ${result.value.total})`
      )
    }
  }

  /** Resynced purchase orders are downloaded again; one deleted in Autotask faults. */
  private async refresh(
    batch: OutcomeBatch,
    records: PurchaseOrderRecord[],
    autotask: AutotaskClient,
    currencies: RunCurrencies
  ) {
    const { product } = batch
    const stale = records.filter((record) => record.needsRefresh)
    if (stale.length === 0) return records
    const ids = stale.map((record) => record.autotaskId)
    const current = new Map<number, PurchaseOrder>()
    for await (const page of autotask.query<PurchaseOrder>('PurchaseOrders', [
      { op: 'in', field: 'id', value: ids },
    ])) {
      for (const order of page) current.set(order.id, order)
    }
    const items = await autotask.purchaseOrderItems([...current.keys()])
    // Their vendors are read again: a name or (Multi-currency) a currency may have changed.
    const vendors = await autotask.companiesByIds(
      [...current.values()].map((order) => order.vendorID)
    )
    const kept: PurchaseOrderRecord[] = []
    for (const record of records) {
      if (!record.needsRefresh) {
        kept.push(record)
        continue
      }
      const order = current.get(record.autotaskId)
      if (!order) {
        batch.fault(
          record,
          'The purchase order no longer exists in Autotask.',
          'It was deleted in Autotask; skip it here.'
        )
        continue
      }
      const vendor = vendors.get(order.vendorID)
      record.merge({
        ...toPurchaseOrderRecord(
          product,
          order,
          items.get(order.id) ?? [],
          vendor,
          await currencies.ofCompany(vendor),
          vendor ? null : record.vendorName
        ),
        needsRefresh: false,
      })
      await record.save()
      kept.push(record)
    }
    return kept
  }
}

/** Our record's fields from an Autotask purchase order, its items, its vendor and the currency that names (unit costs are in it). */
export function toPurchaseOrderRecord(
  product: Product,
  order: PurchaseOrder,
  items: PurchaseOrderItem[],
  vendor: Company | undefined,
  currency: RecordCurrency,
  knownVendorName?: string | null
) {
  const lines: StoredPurchaseOrderLine[] = items.map((item) => ({
    autotaskId: item.id,
    description: (item.memo || `Item ${item.productID ?? item.id}`).trim(),
    quantity: new Decimal(item.quantity ?? 1).toFixed(),
    unitCost: new Decimal(item.unitCost ?? 0).toFixed(),
    taxRegion: null,
  }))
  if (order.freight && order.freight > 0) {
    lines.push({
      autotaskId: 0,
      description: 'Freight',
      quantity: '1',
      unitCost: new Decimal(order.freight).toFixed(),
      taxRegion: null,
    })
  }
  const subtotal = lines.reduce(
    (sum, line) => sum.add(lineAmount(line.quantity, line.unitCost)),
    new Decimal(0)
  )
  const date = (value: string | null) =>
    value ? DateTime.fromISO(value, { zone: 'utc' }).startOf('day') : null
  return {
    productId: product.id,
    autotaskId: order.id,
    poNumber: order.purchaseOrderNumber ?? String(order.id),
    vendorCompanyId: order.vendorID,
    vendorName: vendor?.companyName ?? knownVendorName ?? null,
    autotaskStatus: order.status,
    orderDate: date(order.submitDateTime ?? order.createDateTime),
    deliveryDate: date(order.latestEstimatedArrivalDate),
    subtotal,
    taxTotal: new Decimal(0),
    total: subtotal,
    currency: currency.currency,
    autotaskCurrencyId: currency.autotaskCurrencyId,
    lines,
    attempts: 0,
    needsRefresh: false,
  }
}

/** The currency Xero gets: named only when Autotask names it (Multi-currency), else Xero's base, as before. */
function currencyCodeOf(record: PurchaseOrderRecord) {
  return inAutotaskCurrency(record) ? { currencyCode: record.currency } : {}
}
