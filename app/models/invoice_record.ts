import { DateTime } from 'luxon'
import type { Decimal } from 'decimal.js'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import { recordStatusLabels, type RecordStatus } from '#enums/record_status'
import { jsonColumn, moneyColumn } from '#models/columns'
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
export default class InvoiceRecord extends BaseModel {
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

  /** set by a resync: download it from Autotask again before pushing */
  @column({ consume: (value) => Boolean(value) })
  declare needsRefresh: boolean

  @column()
  declare status: RecordStatus

  @column()
  declare previousStatus: RecordStatus | null

  @column()
  declare faultReason: string | null

  @column()
  declare faultHint: string | null

  @column()
  declare attempts: number

  @column.dateTime()
  declare nextAttemptAt: DateTime | null

  @column()
  declare leaseOwner: string | null

  @column.dateTime()
  declare leaseExpiresAt: DateTime | null

  @column()
  declare xeroInvoiceId: string | null

  @column()
  declare xeroInvoiceNumber: string | null

  @column()
  declare xeroUrl: string | null

  @column.dateTime()
  declare syncedAt: DateTime | null

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

  get statusLabel(): string {
    return recordStatusLabels[this.status]
  }
}
