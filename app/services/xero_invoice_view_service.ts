import { inject } from '@adonisjs/core'
import type { DateTime } from 'luxon'
import { XeroGateway, type XeroInvoice } from '#integrations/xero/xero_gateway'
import {
  XeroError,
  XeroForbiddenError,
  XeroNotConnectedError,
  XeroRateLimitError,
  XeroReconnectRequiredError,
  XeroTransientError,
  XeroUnauthorizedError,
} from '#integrations/xero/errors'
import type InvoiceRecord from '#models/invoice_record'
import type Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import { Clock } from '#sync/clock'

export type XeroInvoiceView =
  | { ok: true; invoice: XeroInvoice; readAt: DateTime; cached: boolean }
  | { ok: false; reason: string; retry: boolean }
  | { ok: false; reason: null; notInXero: true }

/** How long a read of one Xero invoice is shown again without asking Xero: opening and re-opening costs one call. */
const XERO_VIEW_TTL_SECONDS = 60

/** At most this many invoices are kept; the oldest read goes first. */
const MAX_CACHED = 500

/** Per process: a web process answers the same person's re-opens; nothing here is shared or persisted. */
const cache = new Map<string, { invoice: XeroInvoice; readAt: DateTime }>()

/**
 * "View originals", the Xero side: what Xero holds for an invoice we linked
 * (status, contact, lines, tax, totals, amount due), read through the gateway
 * when the view opens and kept for a minute so re-opening it costs no call.
 */
@inject()
export default class XeroInvoiceViewService {
  constructor(
    protected xero: XeroGateway,
    protected clock: Clock
  ) {}

  async read(product: Product, record: InvoiceRecord): Promise<XeroInvoiceView> {
    const invoiceId = record.xeroInvoiceId
    if (!invoiceId) return { ok: false, reason: null, notInXero: true }
    const key = `${product.id}:${product.xeroTenantId}:${invoiceId}`
    const now = this.clock.now()
    const hit = cache.get(key)
    if (hit && now.diff(hit.readAt, 'seconds').seconds < XERO_VIEW_TTL_SECONDS) {
      return { ok: true, invoice: hit.invoice, readAt: hit.readAt, cached: true }
    }
    cache.delete(key)
    if (!product.xeroTokens || !product.xeroTenantId) {
      return {
        ok: false,
        reason:
          'This product is not connected to a Xero organisation, so the invoice cannot be read. Connect Xero in Settings, then open the originals again.',
        retry: false,
      }
    }
    let invoice: XeroInvoice | null
    try {
      invoice = await this.xero.getInvoice(xeroConnectionOf(product), invoiceId)
    } catch (error) {
      if (!(error instanceof XeroError)) throw error
      return { ok: false, reason: explain(error), retry: true }
    }
    if (!invoice) {
      return {
        ok: false,
        reason: `Xero has no invoice ${record.xeroInvoiceNumber ?? invoiceId} in ${product.xeroTenantName ?? 'this organisation'} any more (deleted there, or the product now points at another organisation). A resync looks it up by number and creates it again if it is gone.`,
        retry: true,
      }
    }
    cache.set(key, { invoice, readAt: now })
    while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!)
    return { ok: true, invoice, readAt: now, cached: false }
  }
}

/** Forgets every cached read (tests start from an empty cache). */
export function forgetXeroInvoiceViews() {
  cache.clear()
}

/** What went wrong reading from Xero, in words a person can act on; tokens and bodies never appear. */
function explain(error: XeroError): string {
  if (error instanceof XeroReconnectRequiredError || error instanceof XeroNotConnectedError) {
    return "Xero no longer accepts this product's connection. Reconnect Xero in Settings, then open the originals again."
  }
  if (error instanceof XeroUnauthorizedError || error instanceof XeroForbiddenError) {
    return 'Xero refused to show this invoice to our connection (the organisation was disconnected or the app lacks access). Reconnect Xero in Settings.'
  }
  if (error instanceof XeroRateLimitError) {
    return "Xero's request limit for this organisation is reached for now, so the invoice cannot be read. Try again in a minute."
  }
  if (error instanceof XeroTransientError) {
    return 'Xero did not answer, so the invoice cannot be shown right now. Try again in a moment.'
  }
  return `Xero refused to show this invoice (HTTP ${error.status ?? 'error'}).`
}
