import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import { Decimal } from 'decimal.js'
import db from '@adonisjs/lucid/services/db'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import type { Company, PurchaseOrder, PurchaseOrderItem } from '#integrations/autotask/types'
import type { XeroGateway, XeroInvoiceInput, XeroLineItemInput, XeroPurchaseOrderInput } from '#integrations/xero/xero_gateway'
import PurchaseOrderRecord, { type StoredPurchaseOrderLine } from '#models/purchase_order_record'
import type Product from '#models/product'
import SyncLogService from '#services/sync_log_service'
import LeaseService from '#sync/leases'
import ContactResolver from '#sync/contact_resolver'
import { XeroRateLimitError } from '#integrations/xero/errors'
import RecordOutcomes, { type OutcomeBatch, type PushStats } from '#sync/record_outcomes'
import { hintFor } from '#sync/invoice_push'
import { lineAmount } from '#sync/money'
import { Clock } from '#sync/clock'
import syncConfig from '#config/sync'

const LOCKED = new Set(['BILLED', 'DELETED', 'PAID', 'VOIDED'])

/**
 * Purchase orders, in one pass (no separate metadata phase) and only when no
 * invoice of the product is waiting: Autotask POs that reached the status the
 * settings name are stored, then pushed as Xero purchase orders or bills.
 * A resync downloads one again and updates the Xero document while Xero still
 * allows it.
 */
@inject()
export default class PurchaseOrderSync {
  constructor(
    protected leases: LeaseService,
    protected outcomes: RecordOutcomes,
    protected contacts: ContactResolver,
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  /** Returns null when purchase orders are off or invoices are still waiting. */
  async run(
    product: Product,
    syncRunId: number,
    autotask: AutotaskClient,
    xero: XeroGateway,
    worker: string,
    shouldStop: () => Promise<boolean>
  ): Promise<(PushStats & { found: number }) | null> {
    const settings = product.effectiveSettings.purchaseOrders
    if (!settings.enabled) return null
    const waiting = await db
      .from('invoice_records')
      .where('product_id', product.id)
      .where('status', 'pending')
      .whereNotNull('invoice_number')
      .count('* as total')
    if (Number(waiting[0].total) > 0) return null

    const found = await this.download(product, syncRunId, autotask, settings.triggerStatus)
    const stats: PushStats & { found: number } = { synced: 0, faulted: 0, retried: 0, skipped: 0, found }
    while (!(await shouldStop())) {
      const claim = await this.leases.claim('purchase_order', product.id, worker, syncConfig.batchSize, syncConfig.leaseSeconds)
      if (claim.ids.length === 0) break
      const records = await PurchaseOrderRecord.query().whereIn('id', claim.ids).orderBy('id')
      const batch = this.outcomes.batch('purchase_order', product, syncRunId, claim, stats)
      try {
        await this.push(batch, records, autotask, xero)
        await batch.commit()
      } catch (error) {
        if (error instanceof XeroRateLimitError) await this.outcomes.rateLimited(batch, records, error)
        else await this.outcomes.batchFailed(batch, records, error)
        break
      }
    }
    return stats
  }

  /** New POs at the trigger status since the cursor, with their items and vendors; cursor committed last. */
  private async download(product: Product, syncRunId: number, autotask: AutotaskClient, status: number) {
    const since =
      product.purchaseOrderCursor ?? this.clock.now().startOf('day').minus({ days: Math.min(90, product.effectiveSettings.daysBack) })
    let cursor = since
    let found = 0
    for await (const page of autotask.purchaseOrders({ statuses: [status], changedSince: since.toJSDate() })) {
      const known = new Set(
        (
          await db
            .from('purchase_order_records')
            .select('autotask_id')
            .where('product_id', product.id)
            .whereIn('autotask_id', page.map((order) => order.id))
        ).map((row) => Number(row.autotask_id))
      )
      const fresh = page.filter((order) => !known.has(order.id))
      for (const order of page) {
        for (const stamp of [order.createDateTime, order.submitDateTime, order.cancelDateTime]) {
          const at = stamp ? DateTime.fromISO(stamp, { zone: 'utc' }) : null
          if (at?.isValid && at > cursor) cursor = at
        }
      }
      if (fresh.length === 0) continue
      const [items, vendors] = await Promise.all([
        autotask.purchaseOrderItems(fresh.map((order) => order.id)),
        autotask.companiesByIds([...new Set(fresh.map((order) => order.vendorID))]),
      ])
      const created = await PurchaseOrderRecord.createMany(
        fresh.map((order) => ({ ...toPurchaseOrderRecord(product, order, items.get(order.id) ?? [], vendors.get(order.vendorID)), status: 'pending' as const }))
      )
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

  private async push(batch: OutcomeBatch, claimed: PurchaseOrderRecord[], autotask: AutotaskClient, xero: XeroGateway) {
    const { product, claim } = batch
    const settings = product.effectiveSettings.purchaseOrders
    const records = await this.refresh(batch, claimed, autotask)
    const contacts = await this.contacts.resolve(
      product,
      xero,
      records
        .filter((record) => record.vendorCompanyId)
        .map((record) => ({ id: record.vendorCompanyId!, name: record.vendorName ?? `Vendor ${record.vendorCompanyId}` })),
      batch.syncRunId
    )
    const ready: { record: PurchaseOrderRecord; contactId: string }[] = []
    for (const record of records) {
      const contact = record.vendorCompanyId ? contacts.get(record.vendorCompanyId) : undefined
      if (!contact?.ok) {
        batch.fault(record, contact?.reason ?? 'The purchase order has no vendor.', contact?.hint ?? 'Set its vendor in Autotask, then resync.')
        continue
      }
      if ((record.lines ?? []).length === 0) {
        batch.fault(record, 'The purchase order has no items.', 'Add its items in Autotask, then resync.')
        continue
      }
      ready.push({ record, contactId: contact.contactId })
    }
    const editable = await this.editable(batch, xero, ready)
    const lines = (record: PurchaseOrderRecord): XeroLineItemInput[] =>
      (record.lines ?? []).map((line) => ({
        description: line.description,
        quantity: new Decimal(line.quantity).toFixed(4),
        unitAmount: new Decimal(line.unitCost).toFixed(4),
        lineAmount: lineAmount(line.quantity, line.unitCost).toFixed(2),
        accountCode: settings.accountCode,
        taxType: settings.taxType,
      }))

    if (settings.documentType === 'BILL') {
      const inputs: XeroInvoiceInput[] = editable.map(({ record, contactId }) => ({
        invoiceId: record.xeroDocumentType === 'BILL' ? (record.xeroDocumentId ?? undefined) : undefined,
        type: 'ACCPAY',
        contact: { contactId },
        invoiceNumber: record.poNumber ?? undefined,
        reference: record.poNumber ?? undefined,
        date: record.orderDate?.toISODate() ?? undefined,
        dueDate: (record.deliveryDate ?? record.orderDate)?.toISODate() ?? undefined,
        status: 'DRAFT',
        lineAmountTypes: 'Exclusive',
        lineItems: lines(record),
      }))
      const results = inputs.length
        ? await batch.waitOutRateLimits(() => xero.updateInvoices(product, inputs, { idempotencyKey: `${claim.token}:bills` }))
        : []
      for (const result of results) {
        const { record } = editable[result.index]
        if (!result.ok) {
          const message = result.messages.join(' ')
          batch.fault(record, `Xero refused the bill: ${message}`, hintFor(message))
          continue
        }
        this.done(batch, record, 'BILL', result.value.invoiceId, result.value.invoiceNumber)
      }
      return
    }

    const inputs: XeroPurchaseOrderInput[] = editable.map(({ record, contactId }) => ({
      purchaseOrderId: record.xeroDocumentType === 'PURCHASEORDER' ? (record.xeroDocumentId ?? undefined) : undefined,
      contact: { contactId },
      purchaseOrderNumber: record.poNumber ?? undefined,
      date: record.orderDate?.toISODate() ?? undefined,
      deliveryDate: record.deliveryDate?.toISODate() ?? undefined,
      status: 'AUTHORISED',
      lineAmountTypes: 'Exclusive',
      lineItems: lines(record),
    }))
    const results = inputs.length
      ? await batch.waitOutRateLimits(() => xero.updatePurchaseOrders(product, inputs, { idempotencyKey: `${claim.token}:orders` }))
      : []
    for (const result of results) {
      const { record } = editable[result.index]
      if (!result.ok) {
        const message = result.messages.join(' ')
        batch.fault(record, `Xero refused the purchase order: ${message}`, hintFor(message))
        continue
      }
      this.done(batch, record, 'PURCHASEORDER', result.value.purchaseOrderId, result.value.purchaseOrderNumber)
    }
  }

  /** Linked documents Xero no longer lets us change (billed, paid, voided) fault with that reason. */
  private async editable(batch: OutcomeBatch, xero: XeroGateway, ready: { record: PurchaseOrderRecord; contactId: string }[]) {
    const { product } = batch
    const allowed: typeof ready = []
    for (const entry of ready) {
      const { record } = entry
      if (!record.xeroDocumentId) {
        allowed.push(entry)
        continue
      }
      const status =
        record.xeroDocumentType === 'BILL'
          ? (await batch.waitOutRateLimits(() => xero.getInvoice(product, record.xeroDocumentId!)))?.status
          : (await batch.waitOutRateLimits(() => xero.getPurchaseOrder(product, record.xeroDocumentId!)))?.status
      if (status && LOCKED.has(status)) {
        batch.fault(
          record,
          `The Xero ${record.xeroDocumentType === 'BILL' ? 'bill' : 'purchase order'} ${record.xeroNumber ?? ''} is ${status.toLowerCase()}, and Xero does not allow changing it: nothing was changed.`,
          'Change it in Xero by hand if it must change, then skip this purchase order.'
        )
        continue
      }
      allowed.push(entry)
    }
    return allowed
  }

  private done(batch: OutcomeBatch, record: PurchaseOrderRecord, type: 'BILL' | 'PURCHASEORDER', xeroId: string, xeroNumber: string | null) {
    const label = type === 'BILL' ? 'bill' : 'purchase order'
    batch.synced(
      record,
      { xero_document_type: type, xero_document_id: xeroId, xero_number: xeroNumber },
      { kind: 'purchase_order', xeroId, xeroLabel: xeroNumber },
      `Purchase order ${record.poNumber} ${record.xeroDocumentId ? 'updated' : 'created'} in Xero as ${label} ${xeroNumber ?? xeroId}`
    )
  }

  /** Resynced purchase orders are downloaded again; one deleted in Autotask faults. */
  private async refresh(batch: OutcomeBatch, records: PurchaseOrderRecord[], autotask: AutotaskClient) {
    const { product } = batch
    const stale = records.filter((record) => record.needsRefresh)
    if (stale.length === 0) return records
    const ids = stale.map((record) => record.autotaskId)
    const current = new Map<number, PurchaseOrder>()
    for await (const page of autotask.query<PurchaseOrder>('PurchaseOrders', [{ op: 'in', field: 'id', value: ids }])) {
      for (const order of page) current.set(order.id, order)
    }
    const items = await autotask.purchaseOrderItems([...current.keys()])
    const kept: PurchaseOrderRecord[] = []
    for (const record of records) {
      if (!record.needsRefresh) {
        kept.push(record)
        continue
      }
      const order = current.get(record.autotaskId)
      if (!order) {
        batch.fault(record, 'The purchase order no longer exists in Autotask.', 'It was deleted in Autotask; skip it here.')
        continue
      }
      record.merge({ ...toPurchaseOrderRecord(product, order, items.get(order.id) ?? [], undefined, record.vendorName), needsRefresh: false })
      await record.save()
      kept.push(record)
    }
    return kept
  }
}

/** Our record's fields from an Autotask purchase order, its items and its vendor. */
export function toPurchaseOrderRecord(
  product: Product,
  order: PurchaseOrder,
  items: PurchaseOrderItem[],
  vendor?: Company,
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
    lines.push({ autotaskId: 0, description: 'Freight', quantity: '1', unitCost: new Decimal(order.freight).toFixed(), taxRegion: null })
  }
  const subtotal = lines.reduce((sum, line) => sum.add(lineAmount(line.quantity, line.unitCost)), new Decimal(0))
  const date = (value: string | null) => (value ? DateTime.fromISO(value, { zone: 'utc' }).startOf('day') : null)
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
    currency: product.effectiveSettings.currency ?? 'USD',
    lines,
    attempts: 0,
    needsRefresh: false,
  }
}
