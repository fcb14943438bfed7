import { DateTime } from 'luxon'
import type { Decimal } from 'decimal.js'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import { compose } from '@adonisjs/core/helpers'
import { jsonColumn, moneyColumn } from '#models/columns'
import { SyncJob } from '#models/mixins/sync_job'
import { paymentLabelOf } from '#sync/payment_labels'
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
  /** BillingItem.organizationalLevelAssociationID: its line of business (absent on lines stored before line tracking) */
  organizationalLevelAssociationId?: number | null
}

/** part paid in Xero; paid in full and written to Autotask; paid in full but not yet written to Autotask */
export type InvoicePaymentState = 'part_paid' | 'paid' | 'paid_unsent'

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

  /** Company.territoryID when discovered: a line-tracking dimension */
  @column()
  declare autotaskTerritoryId: number | null

  /** Invoice.invoiceEditorTemplateID: may choose the Xero branding theme */
  @column()
  declare autotaskInvoiceTemplateId: number | null

  @column()
  declare xeroInvoiceId: string | null

  @column()
  declare xeroInvoiceNumber: string | null

  @jsonColumn()
  declare lines: StoredInvoiceLine[] | null

  /** What Xero says of its payment: part paid (amount due shown), or paid (date written to Autotask). */
  @column()
  declare paymentState: InvoicePaymentState | null

  /** Xero's AmountDue at the last payments check. */
  @moneyColumn()
  declare xeroAmountDue: Decimal | null

  /** The paid date written to the Autotask invoice. */
  @column.date()
  declare paidDate: DateTime | null

  /** The kind of Xero document the link names: null for an invoice, 'ACCRECCREDIT' for a credit note. */
  @column()
  declare xeroType: 'ACCRECCREDIT' | null

  /** When discovery saw the Autotask invoice voided after it reached Xero. */
  @column.dateTime()
  declare autotaskVoidedAt: DateTime | null

  /** What the void did in Xero: deleted, voided, gone (a person removed it first), refused (money allocated). */
  @column()
  declare voidState: 'deleted' | 'voided' | 'gone' | 'refused' | null

  @column({ serializeAs: null })
  declare autotaskHtml: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  /** "Part paid (due 40.00)" or "Paid 2026-12-01" beside the status, or null. */
  get paymentLabel(): string | null {
    return paymentLabelOf(this.paymentState, this.xeroAmountDue, this.paidDate?.toISODate() ?? null)
  }

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>

  @hasMany(() => SyncLog)
  declare logs: HasMany<typeof SyncLog>
}
