import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import type { ProductStatus } from '#enums/product_status'
import type { ConnectionHealth } from '#enums/sync'
import type { XeroTokenSet } from '#integrations/xero/xero_connection'
import type { XeroRateLimitProblem } from '#integrations/xero/errors'
import { encryptedColumn, jsonColumn } from '#models/columns'
import Account from '#models/account'
import InvoiceRecord from '#models/invoice_record'
import PurchaseOrderRecord from '#models/purchase_order_record'
import SyncLog from '#models/sync_log'
import SyncRun from '#models/sync_run'
import Link from '#models/link'
import Mapping from '#models/mapping'

export type { XeroTokenSet }

/** Self-service options of a product (PRODUCT.md §4 Settings). */
export interface ProductSettings {
  invoiceStatus: 'DRAFT' | 'AUTHORISED' | 'AUTHORISED_SENT'
  numbering: 'xero' | 'autotask' | 'prefix'
  numberPrefix: string
  dueDateSource: 'autotask' | 'xero_contact'
  daysBack: number
  referenceFromPoNumber: boolean
  skipZeroTotal: boolean
  skipCompanyIds: number[]
  createContacts: boolean
  matchContactsByName: boolean
  /** a Xero contact the engine links (by number or name) gets Autotask's address, phone and e-mail where it has none */
  fillLinkedContacts: boolean
  /** later syncs send changed Autotask address, phone and e-mail to linked Xero contacts (overwriting Xero's) */
  updateContactDetails: boolean
  maxTransientAttempts: number
  roundingLine: { enabled: boolean; accountCode: string | null; tolerance: string }
  stampWebServiceDate: boolean
  slackChannel: string | null
  purchaseOrders: {
    enabled: boolean
    documentType: 'PURCHASEORDER' | 'BILL'
    triggerStatus: number
    /** Xero account and tax type of PO lines (Autotask POs carry neither) */
    accountCode: string
    taxType: string
  }
  /** Xero account of lines no mapping covers (null: such lines fault) */
  uncodedAccountCode: string | null
  /** the Xero branding theme of every invoice (null: Xero's default theme) */
  brandingThemeId: string | null
  /** a negative Autotask invoice becomes a Xero credit note (off: it faults, to be entered by hand) */
  creditNotes: boolean
  /** a credit note is left unallocated, or allocated to the contact's oldest open invoice in its currency */
  creditNoteAllocation: 'none' | 'oldest_open'
  /** an invoice voided in Autotask after it reached Xero is deleted or voided there too (else only a warning) */
  voidsToXero: boolean
  /** payments recorded in Xero flow back to the Autotask invoice's paidDate */
  paymentsToAutotask: boolean
  /** the Xero organisation's base currency, learnt at each run (Autotask invoices carry none) */
  currency: string | null
}

export const defaultProductSettings: ProductSettings = {
  invoiceStatus: 'DRAFT',
  numbering: 'autotask',
  numberPrefix: '',
  dueDateSource: 'autotask',
  daysBack: 30,
  referenceFromPoNumber: true,
  skipZeroTotal: true,
  skipCompanyIds: [],
  createContacts: true,
  matchContactsByName: true,
  fillLinkedContacts: false,
  updateContactDetails: false,
  maxTransientAttempts: 8,
  roundingLine: { enabled: false, accountCode: null, tolerance: '0.05' },
  stampWebServiceDate: false,
  slackChannel: null,
  purchaseOrders: {
    enabled: false,
    documentType: 'PURCHASEORDER',
    triggerStatus: 2,
    accountCode: '300',
    taxType: 'INPUT2',
  },
  uncodedAccountCode: null,
  brandingThemeId: null,
  paymentsToAutotask: true,
  voidsToXero: true,
  creditNotes: true,
  creditNoteAllocation: 'none',
  currency: null,
}

/** One sync set-up: one Autotask database → one Xero organisation. Starts Paused. */
export default class Product extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare accountId: number

  @column()
  declare name: string

  @column()
  declare status: ProductStatus

  @column()
  declare autotaskUsername: string | null

  @encryptedColumn()
  declare autotaskSecret: string | null

  @encryptedColumn()
  declare autotaskIntegrationCode: string | null

  @column()
  declare autotaskZoneUrl: string | null

  @column()
  declare autotaskHealth: ConnectionHealth

  @column()
  declare autotaskHealthMessage: string | null

  @column()
  declare xeroTenantId: string | null

  @column()
  declare xeroTenantName: string | null

  @encryptedColumn()
  declare xeroTokens: XeroTokenSet | null

  @column()
  declare xeroHealth: ConnectionHealth

  @column()
  declare xeroHealthMessage: string | null

  @jsonColumn()
  declare settings: Partial<ProductSettings> | null

  @column.dateTime()
  declare invoiceCursor: DateTime | null

  @column.dateTime()
  declare purchaseOrderCursor: DateTime | null

  @column.dateTime()
  declare nextSyncAt: DateTime | null

  @column.dateTime()
  declare syncRequestedAt: DateTime | null

  @column.dateTime()
  declare lastSyncedAt: DateTime | null

  /** when the orphan reconciler last read Xero's changed invoices */
  @column.dateTime()
  declare orphansCheckedAt: DateTime | null

  /** until when the product waits for a Xero limit too long to wait out in a run (its daily one); null: not waiting */
  @column.dateTime()
  declare xeroWaitingUntil: DateTime | null

  /** which of Xero's limits it waits for ('day', …: X-Rate-Limit-Problem as XeroRateLimitError names it) */
  @column()
  declare xeroWaitingFor: XeroRateLimitProblem | null

  /** when the payments check last read Xero's changed invoices */
  @column.dateTime()
  declare paymentsCheckedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Account)
  declare account: BelongsTo<typeof Account>

  @hasMany(() => InvoiceRecord)
  declare invoices: HasMany<typeof InvoiceRecord>

  @hasMany(() => PurchaseOrderRecord)
  declare purchaseOrders: HasMany<typeof PurchaseOrderRecord>

  @hasMany(() => SyncLog)
  declare logs: HasMany<typeof SyncLog>

  @hasMany(() => SyncRun)
  declare runs: HasMany<typeof SyncRun>

  @hasMany(() => Link)
  declare links: HasMany<typeof Link>

  @hasMany(() => Mapping)
  declare mappings: HasMany<typeof Mapping>

  /** Stored settings over the defaults, so a new option never needs a data migration. */
  get effectiveSettings(): ProductSettings {
    return { ...defaultProductSettings, ...(this.settings ?? {}) }
  }

  get isActive(): boolean {
    return this.status === 'active'
  }
}
