import { inject } from '@adonisjs/core'
import { Decimal } from 'decimal.js'
import InvoiceRecord from '#models/invoice_record'
import PurchaseOrderRecord from '#models/purchase_order_record'
import type Product from '#models/product'
import {
  XERO_BATCH_LIMIT,
  XERO_MAX_REQUEST_BYTES,
  type XeroGateway,
  type XeroInvoice,
  type XeroInvoiceInput,
} from '#integrations/xero/xero_gateway'
import ProductConnections, { xeroConnectionOf } from '#sync/product_connections'
import { lockedInXero, statusForUpdate } from '#sync/invoice_push'
import { waitingOutRateLimits } from '#sync/rate_limits'
import InvoiceDiscovery from '#sync/invoice_discovery'
import ContactResolver, { companyProblem, type ContactOutcome } from '#sync/contact_resolver'
import { mapInvoice, numberFor, type MappingContext } from '#sync/invoice_mapper'
import { creditNoteFor } from '#sync/credit_note_push'
import PurchaseOrderSync from '#sync/purchase_order_sync'
import { loadMappingContext } from '#sync/sync_runner'
import { megabytes } from '#sync/request_size'

export type PreviewKind = 'invoice' | 'credit_note' | 'purchase_order'
export type PreviewOutcome = 'ready' | 'error' | 'skipped' | 'waiting'

/** One record as the next sync would treat it. */
export interface PreviewRecord {
  kind: PreviewKind
  /** our record's id; null for one a discovery would store first */
  recordId: number | null
  autotaskId: number
  number: string | null
  party: string | null
  date: string | null
  currency: string
  total: string
  tax: string
  lines: number
  outcome: PreviewOutcome
  operation?: 'create' | 'update'
  /** the number the Xero document gets (null: Xero numbers it) */
  xeroNumber?: string | null
  contact?: { name: string | null; how: string; contactId: string }
  notes?: string[]
  reason?: string
  hint?: string
  /** the JSON body the Xero write would carry for this document */
  payload?: unknown
}

export interface PreviewCounts {
  ready: number
  errors: number
  skipped: number
  waiting: number
}

export interface PreviewResult {
  invoices: PreviewCounts
  /** null when the product does not sync purchase orders */
  purchaseOrders: PreviewCounts | null
  /** ready documents per kind and currency, with their Autotask totals */
  totals: { kind: PreviewKind; currency: string; count: number; total: string }[]
  records: PreviewRecord[]
}

type Fault = { reason: string; hint: string }

/** Why an invoice of an unfinished billing run waits (the push leaves it pending). */
const UNNUMBERED: Fault = {
  reason: 'The billing run has not finished: the invoice has no number yet.',
  hint: 'Nothing to do: it syncs once Autotask numbers it.',
}

/**
 * "Preview next sync": everything the next sync of a product would send, through
 * the engine's own discovery, contact matching, mapping, tax check and credit
 * note mapping, with the payload each Xero write would carry. Writes nothing:
 * Autotask is read as a discovery reads it (same calls), Xero only for its tax
 * rates, organisation and contacts (batched look-ups or the list); no record,
 * link or cursor changes.
 */
@inject()
export default class SyncPreviewer {
  constructor(
    protected connections: ProductConnections,
    protected discovery: InvoiceDiscovery,
    protected contacts: ContactResolver,
    protected purchaseOrders: PurchaseOrderSync
  ) {}

  async run(product: Product): Promise<PreviewResult> {
    const connections = this.connections.for(product)
    if (!connections.ok) throw new Error(connections.reason)
    const { autotask, xero } = connections
    const mapping = await loadMappingContext(product, xero, autotask, { remember: false })
    const peek = await this.discovery.peek(product, autotask, mapping.currencies!)

    const records: PreviewRecord[] = []
    const due: InvoiceRecord[] = []
    const held = await InvoiceRecord.query()
      .where('product_id', product.id)
      .where('status', 'pending')
      .whereNotNull('invoice_number')
      .orderBy('id')
    for (const record of held) {
      if (peek.voided.has(record.autotaskId))
        records.push(rowOf(record, 'skipped', { reason: 'voided in Autotask' }))
      else due.push(record)
    }
    for (const { record, invoice } of peek.waiting) {
      if (!invoice)
        records.push(
          rowOf(record, 'skipped', {
            reason: 'deleted in Autotask before its billing run finished',
          })
        )
      else if (!invoice.invoiceNumber) records.push(rowOf(record, 'waiting', UNNUMBERED))
      else due.push(record)
    }
    for (const { record, skip } of peek.fresh) {
      if (skip) records.push(rowOf(record, 'skipped', { reason: skip }))
      else if (!record.invoiceNumber) records.push(rowOf(record, 'waiting', UNNUMBERED))
      else due.push(record)
    }
    records.push(...(await this.mapInvoices(product, xero, mapping, due)))

    const account = await product.related('account').query().firstOrFail()
    const withOrders = account.features.purchaseOrders && mapping.settings.purchaseOrders.enabled
    if (withOrders) {
      for (const order of await this.purchaseOrders.preview(
        product,
        autotask,
        xero,
        mapping.currencies!
      )) {
        const { record } = order
        records.push(
          rowOf(record, order.outcome, {
            ...(order.outcome === 'ready'
              ? {
                  operation: order.operation,
                  xeroNumber: record.poNumber,
                  contact: contactOf(order.contact),
                  payload: xero.requestBody(order.write),
                }
              : order.outcome === 'error'
                ? { reason: order.reason, hint: order.hint }
                : { reason: order.reason }),
          })
        )
      }
    }
    return summarise(records, withOrders)
  }

  /** Contacts resolved at once (looked up, never created or linked), then each invoice mapped as the push maps it. */
  private async mapInvoices(
    product: Product,
    xero: XeroGateway,
    mapping: MappingContext,
    due: InvoiceRecord[]
  ) {
    const rows: PreviewRecord[] = []
    const named: InvoiceRecord[] = []
    for (const record of due) {
      const problem = companyProblem(record)
      if (problem) rows.push(rowOf(record, 'error', problem))
      else named.push(record)
    }
    const contacts = await this.contacts.resolve(
      product,
      xero,
      named.map((record) => ({ id: record.autotaskCompanyId!, name: record.companyName! })),
      null,
      { dryRun: true }
    )
    const inXero = await this.linkedInXero(
      product,
      xero,
      named.filter(
        (r) => r.xeroInvoiceId && !(mapping.settings.creditNotes && r.total.isNegative())
      )
    )
    const emptyBytes = xero.invoiceRequestBytes([])
    for (const record of named) {
      const contact = contacts.get(record.autotaskCompanyId!)
      if (!contact?.ok) {
        rows.push(
          rowOf(record, 'error', {
            reason: contact?.reason ?? 'No Xero contact was found for the company.',
            hint: contact?.hint ?? 'Check the company in Autotask, then resync.',
          })
        )
        continue
      }
      const asCreditNote = mapping.settings.creditNotes && record.total.isNegative()
      if (asCreditNote) {
        const mapped = creditNoteFor(record, contact.contactId, mapping)
        rows.push(
          mapped.ok
            ? rowOf(record, 'ready', {
                kind: 'credit_note',
                operation: mapped.input.creditNoteId ? 'update' : 'create',
                xeroNumber: mapped.input.creditNoteNumber ?? null,
                contact: contactOf(contact),
                payload: xero.requestBody({ kind: 'credit_note', input: mapped.input }),
              })
            : rowOf(record, 'error', mapped)
        )
        continue
      }
      const mapped = mapInvoice(record, contact.contactId, mapping)
      if (!mapped.ok) {
        rows.push(rowOf(record, 'error', mapped))
        continue
      }
      const input: XeroInvoiceInput = {
        ...mapped.input,
        invoiceId: record.xeroInvoiceId ?? undefined,
      }
      // As the push's updatable(): a linked invoice Xero has locked faults; one deleted there is created again.
      if (input.invoiceId) {
        const current = inXero.get(input.invoiceId)
        const locked = current ? lockedInXero(current) : null
        if (locked) {
          rows.push(rowOf(record, 'error', locked))
          continue
        }
        if (!current) delete input.invoiceId
        else input.status = statusForUpdate(current.status, input.status)
      }
      // As the push's write(): one invoice over Xero's request size is never sent.
      const bytes = xero.invoiceRequestBytes([input]) - emptyBytes
      if (bytes + emptyBytes > XERO_MAX_REQUEST_BYTES) {
        rows.push(
          rowOf(record, 'error', {
            reason:
              `The invoice is too large for Xero: it makes a request of ${megabytes(bytes)}, ` +
              `and Xero accepts at most ${megabytes(XERO_MAX_REQUEST_BYTES)} in one request.`,
            hint: 'Split it into smaller invoices in Autotask (fewer lines, or shorter descriptions), then resync.',
          })
        )
        continue
      }
      rows.push(
        rowOf(record, 'ready', {
          operation: input.invoiceId ? 'update' : 'create',
          xeroNumber: numberFor(record, mapping.settings),
          contact: contactOf(contact),
          notes: [...mapped.notes, ...mapped.uncoded],
          payload: xero.requestBody({ kind: 'invoice', input }),
        })
      )
    }
    return rows
  }

  /** The Xero copies of linked invoices, read fifty a call as the push reads them. */
  private async linkedInXero(product: Product, xero: XeroGateway, linked: InvoiceRecord[]) {
    const found = new Map<string, XeroInvoice>()
    for (let start = 0; start < linked.length; start += XERO_BATCH_LIMIT) {
      const ids = linked.slice(start, start + XERO_BATCH_LIMIT).map((r) => r.xeroInvoiceId!)
      const invoices = await waitingOutRateLimits(() =>
        xero.getInvoicesByIds(xeroConnectionOf(product), ids)
      )
      for (const invoice of invoices) found.set(invoice.invoiceId, invoice)
    }
    return found
  }
}

/** A record's line in the preview: what it is, and what the next sync would do with it. */
function rowOf(
  record: InvoiceRecord | PurchaseOrderRecord,
  outcome: PreviewOutcome,
  more: Partial<PreviewRecord> | Fault = {}
): PreviewRecord {
  const invoice = record instanceof InvoiceRecord
  return {
    kind: invoice ? 'invoice' : 'purchase_order',
    recordId: record.id ?? null,
    autotaskId: record.autotaskId,
    number: invoice ? record.invoiceNumber : record.poNumber,
    party: invoice ? record.companyName : record.vendorName,
    date: (invoice ? record.invoiceDate : record.orderDate)?.toISODate() ?? null,
    currency: record.currency,
    total: record.total.toFixed(2),
    tax: record.taxTotal.toFixed(2),
    lines: (record.lines ?? []).length,
    outcome,
    ...more,
  }
}

function contactOf(contact: ContactOutcome & { ok: true }) {
  return { name: contact.name ?? null, how: contact.how ?? 'linked', contactId: contact.contactId }
}

/** Counts per kind, and the ready documents' totals per kind and currency. */
function summarise(records: PreviewRecord[], withOrders: boolean): PreviewResult {
  const count = (kinds: PreviewKind[]): PreviewCounts => {
    const of = (outcome: PreviewOutcome) =>
      records.filter((r) => kinds.includes(r.kind) && r.outcome === outcome).length
    return {
      ready: of('ready'),
      errors: of('error'),
      skipped: of('skipped'),
      waiting: of('waiting'),
    }
  }
  const groups = new Map<
    string,
    { kind: PreviewKind; currency: string; count: number; total: Decimal }
  >()
  for (const record of records.filter((r) => r.outcome === 'ready')) {
    const key = `${record.kind}|${record.currency}`
    const group = groups.get(key) ?? {
      kind: record.kind,
      currency: record.currency,
      count: 0,
      total: new Decimal(0),
    }
    group.count++
    group.total = group.total.add(record.total)
    groups.set(key, group)
  }
  return {
    invoices: count(['invoice', 'credit_note']),
    purchaseOrders: withOrders ? count(['purchase_order']) : null,
    totals: [...groups.values()].map((g) => ({ ...g, total: g.total.toFixed(2) })),
    records,
  }
}

export const KIND_LABELS: Record<PreviewKind, string> = {
  invoice: 'Invoice',
  credit_note: 'Credit note',
  purchase_order: 'Purchase order',
}

export const OUTCOME_LABELS: Record<PreviewOutcome, string> = {
  ready: 'Ready',
  error: 'Error',
  skipped: 'Skipped',
  waiting: 'Waiting',
}

/** The summary in words, for the console and Slack: counts, then totals per currency. */
export function previewSummary(result: PreviewResult): string[] {
  const counts = (label: string, c: PreviewCounts) =>
    `${label}: ${c.ready} ready, ${c.errors} with errors, ${c.skipped} skipped, ${c.waiting} waiting for a number`
  const lines = [counts('Invoices', result.invoices)]
  if (result.purchaseOrders) lines.push(counts('Purchase orders', result.purchaseOrders))
  for (const total of result.totals)
    lines.push(
      `${KIND_LABELS[total.kind]}s ready in ${total.currency}: ${total.count}, total ${total.total}`
    )
  return lines
}

/** One record in one line: what Xero would get, or the reason and the fix. */
export function previewRecordLine(record: PreviewRecord): string {
  const what = `${KIND_LABELS[record.kind]} ${record.number ?? `#${record.autotaskId}`} · ${record.party ?? 'unknown company'} · ${record.currency} ${record.total}`
  if (record.outcome === 'ready') {
    const number = record.xeroNumber ?? 'numbered by Xero'
    const contact = record.contact
      ? `contact ${record.contact.name ?? record.contact.contactId} (${record.contact.how})`
      : ''
    return `READY ${what} · ${record.operation} in Xero as ${number} · ${contact} · ${record.lines} line(s), tax ${record.tax}`
  }
  const label = record.outcome === 'error' ? 'ERROR' : record.outcome.toUpperCase()
  return `${label} ${what} · ${record.reason ?? ''}${record.hint ? ` Fix: ${record.hint}` : ''}`
}
