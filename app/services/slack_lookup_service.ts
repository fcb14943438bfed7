import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type Account from '#models/account'
import Product from '#models/product'
import InvoiceRecord from '#models/invoice_record'
import SyncRun from '#models/sync_run'
import { recordStatuses, type RecordStatus } from '#enums/record_status'
import { escape } from '#integrations/slack/messages'
import { xeroWaitText } from '#sync/rate_limits'
import { Clock } from '#sync/clock'

export type ProductLookup = { ok: true; product: Product } | { ok: false; reason: string }
export type InvoiceLookup =
  { ok: true; invoice: InvoiceRecord; product: Product } | { ok: false; reason: string }

/** A product as `/toolbox status` shows it. */
export interface ProductStatusSummary {
  product: Product
  counts: Record<RecordStatus, number>
  lastRun: SyncRun | null
  faults: InvoiceRecord[]
  faultCount: number
  /** "Waiting for Xero's daily limit until …", or null */
  xeroWait: string | null
}

const FAULTS_LISTED = 10

/** What the Slack bot looks up by the words people type: products by name, invoices by number, a status summary. */
@inject()
export default class SlackLookupService {
  constructor(protected clock: Clock) {}

  /**
   * A product of this account by name (any case), id, or a prefix only one name
   * has. With no words and a single product, that product.
   */
  async product(account: Account, words: string): Promise<ProductLookup> {
    const products = await Product.query().where('account_id', account.id).orderBy('name')
    const wanted = words.trim().toLowerCase()
    if (!wanted) {
      if (products.length === 1) return { ok: true, product: products[0] }
      return { ok: false, reason: `Which product? ${namesOf(products)}` }
    }
    const exact = products.filter(
      (product) => product.name.toLowerCase() === wanted || String(product.id) === wanted
    )
    if (exact.length === 1) return { ok: true, product: exact[0] }
    const prefixed = products.filter((product) => product.name.toLowerCase().startsWith(wanted))
    if (prefixed.length === 1) return { ok: true, product: prefixed[0] }
    if (prefixed.length > 1)
      return {
        ok: false,
        reason: `"${escape(words.trim())}" could be ${namesOf(prefixed, 'or')}. Type more of the name.`,
      }
    return {
      ok: false,
      reason: `No product called "${escape(words.trim())}" in ${escape(account.name)}. ${namesOf(products)}`,
    }
  }

  /** An invoice of this account by its Autotask invoice number or Autotask id. */
  async invoice(account: Account, reference: string): Promise<InvoiceLookup> {
    const wanted = reference.trim().replace(/^#/, '')
    if (!wanted)
      return { ok: false, reason: 'Which invoice? Give its invoice number or Autotask id.' }
    const matches = await InvoiceRecord.query()
      .whereIn('product_id', Product.query().select('id').where('account_id', account.id))
      .where((query) => {
        query.where('invoice_number', wanted)
        if (/^\d{1,15}$/.test(wanted)) query.orWhere('autotask_id', Number(wanted))
      })
      .preload('product')
      .limit(5)
    if (matches.length === 0)
      return { ok: false, reason: `No invoice ${escape(wanted)} in ${escape(account.name)}.` }
    if (matches.length > 1) {
      const where = matches.map(
        (invoice) =>
          `${escape(invoice.invoiceNumber ?? String(invoice.autotaskId))} in ${escape(invoice.product.name)}`
      )
      return {
        ok: false,
        reason: `${escape(wanted)} matches several invoices (${where.join('; ')}). Use its Autotask id.`,
      }
    }
    return { ok: true, invoice: matches[0], product: matches[0].product }
  }

  /** Every product of the account with its summary, for `/toolbox status` without a name. */
  async summaries(account: Account) {
    const products = await Product.query().where('account_id', account.id).orderBy('name')
    return Promise.all(products.map((product) => this.summary(product)))
  }

  /** Invoice counts by status, the last run, and the faults (newest first). */
  async summary(product: Product): Promise<ProductStatusSummary> {
    const rows = await db
      .from('invoice_records')
      .select('status')
      .count('* as total')
      .where('product_id', product.id)
      .groupBy('status')
    const counts = Object.fromEntries(recordStatuses.map((status) => [status, 0])) as Record<
      RecordStatus,
      number
    >
    for (const row of rows) counts[row.status as RecordStatus] = Number(row.total)
    const lastRun = await SyncRun.query()
      .where('product_id', product.id)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .first()
    const faults = await InvoiceRecord.query()
      .where('product_id', product.id)
      .where('status', 'fault')
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(FAULTS_LISTED)
    const xeroWait = xeroWaitText(product, this.clock.now())
    return { product, counts, lastRun, faults, faultCount: counts.fault, xeroWait }
  }
}

function namesOf(products: Product[], joiner = 'and') {
  if (products.length === 0) return 'The account has no products yet.'
  const names = products.map((product) => `"${escape(product.name)}"`)
  if (joiner === 'or') return names.join(' or ')
  return `Products: ${names.join(', ')}.`
}
