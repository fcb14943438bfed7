import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { errors } from '@adonisjs/lucid'
import type Account from '#models/account'
import Product from '#models/product'
import { toSqlDateTime } from '#models/columns'
import type User from '#models/user'
import type { ProductStatus } from '#enums/product_status'
import SyncLogService from '#services/sync_log_service'
import { Clock } from '#sync/clock'
import { xeroWaitText } from '#sync/rate_limits'

/** A dashboard card: the product and the figures shown on it. */
export interface ProductCard {
  product: Product
  faultCount: number
  syncedThisMonth: number
  /** "Waiting for Xero's daily limit until …", or null */
  xeroWait: string | null
}

export type SyncRequestResult = { ok: true } | { ok: false; reason: string }

export type CreateProductResult = { ok: true; product: Product } | { ok: false; reason: string }

/** Products of an account: listing, creating, finding (scoped), pausing and resuming. */
@inject()
export default class ProductService {
  constructor(
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  /** Every product of the account with its fault count and invoices synced this month, in two queries. */
  async cardsFor(account: Account): Promise<ProductCard[]> {
    const products = await Product.query().where('account_id', account.id).orderBy('name')
    if (products.length === 0) return []
    const ids = products.map((product) => product.id)
    const monthStart = toSqlDateTime(this.clock.now().startOf('month'))
    const counts = await db
      .from('invoice_records')
      .select('product_id')
      .select(db.raw(`SUM(CASE WHEN status = 'fault' THEN 1 ELSE 0 END) AS faults`))
      .select(
        db.raw(`SUM(CASE WHEN status = 'synced' AND synced_at >= ? THEN 1 ELSE 0 END) AS synced`, [
          monthStart,
        ])
      )
      .whereIn('product_id', ids)
      .whereIn('status', ['fault', 'synced'])
      .groupBy('product_id')
    const byProduct = new Map(counts.map((row) => [Number(row.product_id), row]))
    return products.map((product) => ({
      product,
      faultCount: Number(byProduct.get(product.id)?.faults ?? 0),
      syncedThisMonth: Number(byProduct.get(product.id)?.synced ?? 0),
      xeroWait: xeroWaitText(product, this.clock.now()),
    }))
  }

  /** A product of this account, or a 404: another account's product is never found. */
  /**
   * The account's product, or E_ROW_NOT_FOUND (a 404). Read on nearly every request: the row is read
   * with the plain query builder and made a model, which costs a third less than the model query
   * builder's `firstOrFail` (Product has no fetch or find hooks to run).
   */
  async findForAccount(account: Account, id: number | string) {
    const row = await db.from(Product.table).where('account_id', account.id).where('id', id).first()
    if (!row) throw new errors.E_ROW_NOT_FOUND(Product)
    return Product.$createFromAdapterResult(row)!
  }

  /** Creates a Paused product, within the plan's product count. */
  async create(
    account: Account,
    input: { name: string },
    actor: User
  ): Promise<CreateProductResult> {
    const existing = await Product.query().where('account_id', account.id).count('* as total')
    const total = Number(existing[0].$extras.total)
    if (total >= account.features.maxProducts) {
      return {
        ok: false,
        reason: `Your ${account.features.label} plan allows ${account.features.maxProducts} product(s). Remove one or change plan to add another.`,
      }
    }
    const clash = await Product.query()
      .where('account_id', account.id)
      .where('name', input.name)
      .first()
    if (clash) return { ok: false, reason: `A product named "${input.name}" already exists.` }

    const product = await Product.create({
      accountId: account.id,
      name: input.name,
      status: 'paused',
    })
    await this.logs.write({
      productId: product.id,
      event: 'product.created',
      message: `Product "${product.name}" created (Paused) by ${actor.email}`,
      actor: actor.email,
    })
    return { ok: true, product }
  }

  /** Paused ↔ Active. The engine stops a paused product at its next safe point. */
  async setStatus(product: Product, status: ProductStatus, actor: string) {
    if (product.status === status) return product
    const before = product.status
    product.status = status
    if (status === 'active') product.nextSyncAt = this.clock.now()
    await product.save()
    await this.logs.write({
      productId: product.id,
      event: status === 'active' ? 'product.resumed' : 'product.paused',
      message: `Status changed from ${label(before)} to ${label(status)} by ${actor}`,
      actor,
    })
    return product
  }

  /**
   * "Sync Now": asks the engine to run this product at its next tick (within
   * 30 s). Only on plans with on-demand sync, and only for an Active product.
   */
  async requestSync(product: Product, account: Account, actor: string): Promise<SyncRequestResult> {
    if (!account.features.onDemandSync) {
      return {
        ok: false,
        reason: `Sync Now is not part of the ${account.features.label} plan; the product syncs every ${account.features.syncIntervalMinutes} minutes.`,
      }
    }
    if (!product.isActive) {
      return {
        ok: false,
        reason: 'The product is Paused. Set it Active on the dashboard to start syncing.',
      }
    }
    product.syncRequestedAt = this.clock.now()
    await product.save()
    await this.logs.write({
      productId: product.id,
      event: 'sync.requested',
      message: `Sync Now requested by ${actor}; the engine starts at its next check (every 10 seconds)`,
      actor,
    })
    return { ok: true }
  }

  /** Invoices synced and faulted per day, for the Analytics chart. */
  async dailyActivity(product: Product, days: number) {
    const since = this.clock
      .now()
      .startOf('day')
      .minus({ days: days - 1 })
    const rows = await db
      .from('invoice_records')
      .select(db.raw('DATE(synced_at) AS day'))
      .count('* as total')
      .where('product_id', product.id)
      .where('synced_at', '>=', toSqlDateTime(since))
      .groupByRaw('DATE(synced_at)')
    const faults = await db
      .from('invoice_records')
      .select(db.raw('DATE(updated_at) AS day'))
      .count('* as total')
      .where('product_id', product.id)
      .where('status', 'fault')
      .where('updated_at', '>=', toSqlDateTime(since))
      .groupByRaw('DATE(updated_at)')
    const key = (value: unknown) =>
      value instanceof Date
        ? DateTime.fromJSDate(value, { zone: 'utc' }).toISODate()!
        : String(value).slice(0, 10)
    const synced = new Map(rows.map((row) => [key(row.day), Number(row.total)]))
    const faulted = new Map(faults.map((row) => [key(row.day), Number(row.total)]))
    return Array.from({ length: days }, (_, index) => {
      const day = since.plus({ days: index }).toISODate()!
      return { day, synced: synced.get(day) ?? 0, faulted: faulted.get(day) ?? 0 }
    })
  }
}

function label(status: ProductStatus) {
  return status === 'active' ? 'Active' : 'Paused'
}
