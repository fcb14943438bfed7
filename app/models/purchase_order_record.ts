import { DateTime } from 'luxon'
import type { Decimal } from 'decimal.js'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import { compose } from '@adonisjs/core/helpers'
import { jsonColumn, moneyColumn } from '#models/columns'
import { SyncJob } from '#models/mixins/sync_job'
import Product from '#models/product'
import SyncLog from '#models/sync_log'

/** One line of an Autotask purchase order (a PurchaseOrderItem). */
export interface StoredPurchaseOrderLine {
  /** 0 for the freight line */
  autotaskId: number
  description: string
  quantity: string
  unitCost: string
  taxRegion: string | null
}

/** Our copy of one Autotask purchase order and the Xero PO or bill it became. */
export default class PurchaseOrderRecord extends compose(BaseModel, SyncJob) {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare productId: number

  @column()
  declare autotaskId: number

  @column()
  declare poNumber: string | null

  @column()
  declare vendorCompanyId: number | null

  @column()
  declare vendorName: string | null

  @column()
  declare autotaskStatus: number | null

  @column.date()
  declare orderDate: DateTime | null

  @column.date()
  declare deliveryDate: DateTime | null

  @moneyColumn()
  declare subtotal: Decimal

  @moneyColumn()
  declare taxTotal: Decimal

  @moneyColumn()
  declare total: Decimal

  /** ISO 4217 code: the Autotask company's currency (Multi-currency), else the product's; 'XXX' when Autotask does not list the company's currency */
  @column()
  declare currency: string

  /** the Autotask Currencies id the currency was read from (null: the company names none) */
  @column()
  declare autotaskCurrencyId: number | null

  @column.dateTime()
  declare autotaskModifiedAt: DateTime | null

  @column()
  declare xeroDocumentType: 'PURCHASEORDER' | 'BILL' | null

  @column()
  declare xeroDocumentId: string | null

  @column()
  declare xeroNumber: string | null

  @jsonColumn()
  declare lines: StoredPurchaseOrderLine[] | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>

  @hasMany(() => SyncLog)
  declare logs: HasMany<typeof SyncLog>
}
