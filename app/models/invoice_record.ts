import { DateTime } from 'luxon'
import type { Decimal } from 'decimal.js'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import { compose } from '@adonisjs/core/helpers'
import { jsonColumn, moneyColumn } from '#models/columns'
import { SyncJob } from '#models/mixins/sync_job'
import { documentLabelOf, isCreditNote, paymentLabelOf } from '#sync/payment_labels'
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

  /** ISO 4217 code: the Autotask company's currency (Multi-currency), else the product's; 'XXX' when Autotask does not list the company's currency */
  @column()
  declare currency: string

  /** the Autotask Currencies id the currency was read from (null: the company names none) */
  @column()
  declare autotaskCurrencyId: number | null

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

  /** When our create made the linked Xero document; null when it was found there (by number, reference) or not known. */
  @column.dateTime()
  declare xeroCreatedAt: DateTime | null

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
    return paymentLabelOf(
      this.paymentState,
      this.xeroAmountDue,
      this.paidDate?.toISODate() ?? null,
      this.isCreditNote
    )
  }

  /** A negative invoice, sent to Xero as a credit note (or linked to one). */
  get isCreditNote(): boolean {
    return isCreditNote(this.xeroType, this.total)
  }

  /** The Xero document it is, as people read it: "Invoice" or "Credit note". */
  get documentLabel() {
    return documentLabelOf(this.isCreditNote)
  }

  /** What became of it since it was voided in Autotask after it reached Xero, or null. */
  get voidLabel(): string | null {
    if (!this.autotaskVoidedAt) return null
    const voided = `Voided in Autotask on ${this.autotaskVoidedAt.toISODate()}`
    const what = `the Xero ${this.documentLabel.toLowerCase()}`
    switch (this.voidState) {
      case 'deleted':
        return `${voided}: ${what} was deleted.`
      case 'voided':
        return `${voided}: ${what} was voided.`
      case 'gone':
        return `${voided}: ${what} was already deleted or voided in Xero.`
      case 'refused':
        return `${voided}: Xero does not let ${what} be removed (see why it faulted).`
      default:
        return `${voided}: ${what} is not removed from Xero yet (the next sync does it, unless this product leaves Xero untouched).`
    }
  }

  /** The payment state as the status dialog says it: "Paid on 2026-11-20 …", "Part paid: 40.00 still due". */
  get paymentText(): string | null {
    const due = this.xeroAmountDue?.toFixed(2) ?? '?'
    switch (this.paymentState) {
      case 'paid':
        return `Paid on ${this.paidDate?.toISODate() ?? '(date unknown)'}; the paid date is on the Autotask invoice.`
      case 'part_paid':
        return this.isCreditNote
          ? `Part allocated: ${due} of its credit is left in Xero.`
          : `Part paid: ${due} still due in Xero. Nothing is written to Autotask until it is paid in full.`
      case 'paid_unsent':
        return 'Paid in Xero; the paid date is not on the Autotask invoice yet (tried again at every sync).'
      default:
        return null
    }
  }

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>

  @hasMany(() => SyncLog)
  declare logs: HasMany<typeof SyncLog>
}
