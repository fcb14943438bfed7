import { DateTime } from 'luxon'
import type { Decimal } from 'decimal.js'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import { compose } from '@adonisjs/core/helpers'
import { jsonColumn, moneyColumn } from '#models/columns'
import { SyncJob } from '#models/mixins/sync_job'
import Product from '#models/product'
import SyncLog from '#models/sync_log'

/** One line of an Autotask invoice (a BillingItem), as stored for mapping and display; amounts as decimal strings. */
export interface StoredInvoiceLine {
  autotaskId: number
  description: string
  quantity: string
  rate: string
  extendedPrice: string
  taxDollars: string
  billingCodeId: number | null
}

/** Our copy of one Autotask invoice and where it is on its way to Xero. */
export default class InvoiceRecord extends compose(BaseModel, SyncJob) {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare productId: number

  @column()
  declare autotaskId: number

  @column()
  declare invoiceNumber: string | null

  @column()
  declare autotaskCompanyId: number | null

  @column()
  declare companyName: string | null

  @column.date()
  declare invoiceDate: DateTime | null

  @column.date()
  declare dueDate: DateTime | null

  @moneyColumn()
  declare subtotal: Decimal

  @moneyColumn()
  declare taxTotal: Decimal

  @moneyColumn()
  declare total: Decimal

  @column()
  declare currency: string

  @column()
  declare autotaskTaxRegionId: number | null

  @column()
  declare autotaskTaxRegionName: string | null

  @column()
  declare purchaseOrderNumber: string | null

  @column()
  declare xeroInvoiceId: string | null

  @column()
  declare xeroInvoiceNumber: string | null

  @jsonColumn()
  declare lines: StoredInvoiceLine[] | null

  @column({ serializeAs: null })
  declare autotaskHtml: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>

  @hasMany(() => SyncLog)
  declare logs: HasMany<typeof SyncLog>
}
