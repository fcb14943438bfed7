import type { XeroConnection } from '#integrations/xero/xero_connection'
import type { XeroRateLimits } from '#integrations/xero/errors'

/*
| The contract the sync engine uses to talk to Xero. Plain typed values in and
| out (money as decimal strings, dates as YYYY-MM-DD), never xero-node classes.
| Every call is made for one product's connection: its token set and its tenant.
*/

export type XeroLineAmountTypes = 'Exclusive' | 'Inclusive' | 'NoTax'
export type XeroInvoiceType = 'ACCREC' | 'ACCPAY'
export type XeroInvoiceStatus = 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'PAID' | 'VOIDED' | 'DELETED'
export type XeroPurchaseOrderStatus = 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'BILLED' | 'DELETED'

export interface XeroTrackingInput {
  name: string
  option: string
}

export interface XeroLineItemInput {
  description?: string
  /** Decimal string, up to 4 places. */
  quantity: string
  /** Decimal string, up to 4 places (unitdp=4). */
  unitAmount: string
  /** When given, Xero checks it equals round2(quantity × unitAmount). */
  lineAmount?: string
  accountCode?: string
  itemCode?: string
  taxType?: string
  tracking?: XeroTrackingInput[]
}

export interface XeroContactRef {
  contactId?: string
  contactNumber?: string
  name?: string
}

export interface XeroInvoiceInput {
  /** Set to update that invoice; omit to create. */
  invoiceId?: string
  type: XeroInvoiceType
  contact: XeroContactRef
  invoiceNumber?: string
  reference?: string
  date?: string
  dueDate?: string
  status?: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'VOIDED' | 'DELETED'
  lineAmountTypes?: XeroLineAmountTypes
  currencyCode?: string
  lineItems?: XeroLineItemInput[]
  /** When given, Xero checks the document total equals it. */
  total?: string
  sentToContact?: boolean
  brandingThemeId?: string
  /** Xero's "Go to [appName]" link; ours carries which Autotask invoice the document is (see invoiceMarker). */
  url?: string
}

export interface XeroLineItem {
  lineItemId: string | null
  description: string | null
  quantity: string
  unitAmount: string
  lineAmount: string
  taxAmount: string
  accountCode: string | null
  itemCode: string | null
  taxType: string | null
  tracking: XeroTrackingInput[]
}

export interface XeroInvoice {
  invoiceId: string
  type: XeroInvoiceType
  invoiceNumber: string | null
  reference: string | null
  status: XeroInvoiceStatus
  contactId: string | null
  contactName: string | null
  date: string | null
  dueDate: string | null
  lineAmountTypes: XeroLineAmountTypes | null
  currencyCode: string | null
  subTotal: string
  totalTax: string
  total: string
  amountDue: string
  amountPaid: string
  lineItems: XeroLineItem[]
  updatedAt: Date | null
  url: string | null
  brandingThemeId: string | null
  /** The day the last payment settled it (YYYY-MM-DD); set once AmountDue reaches 0. */
  fullyPaidOnDate?: string | null
}

export type XeroCreditNoteType = 'ACCRECCREDIT' | 'ACCPAYCREDIT'

export interface XeroCreditNoteInput {
  /** Set to update that credit note; omit to create. */
  creditNoteId?: string
  type: XeroCreditNoteType
  contact: XeroContactRef
  creditNoteNumber?: string
  reference?: string
  date?: string
  status?: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'VOIDED' | 'DELETED'
  lineAmountTypes?: XeroLineAmountTypes
  currencyCode?: string
  lineItems?: XeroLineItemInput[]
  url?: string
}

export interface XeroCreditNote {
  creditNoteId: string
  type: XeroCreditNoteType
  creditNoteNumber: string | null
  reference: string | null
  status: XeroInvoiceStatus
  contactId: string | null
  date: string | null
  currencyCode: string | null
  subTotal: string
  totalTax: string
  total: string
  remainingCredit: string
  /** Xero's UpdatedDateUTC */
  updatedAt?: Date | null
  /** when its credit was used up (allocated or refunded); only a PAID one has it */
  fullyPaidOnDate?: string | null
  lineItems: XeroLineItem[]
  url: string | null
}

export interface XeroPurchaseOrderInput {
  purchaseOrderId?: string
  contact: XeroContactRef
  purchaseOrderNumber?: string
  reference?: string
  date?: string
  deliveryDate?: string
  deliveryAddress?: string
  attentionTo?: string
  status?: XeroPurchaseOrderStatus
  lineAmountTypes?: XeroLineAmountTypes
  currencyCode?: string
  lineItems?: XeroLineItemInput[]
}

export interface XeroPurchaseOrder {
  purchaseOrderId: string
  purchaseOrderNumber: string | null
  reference: string | null
  status: XeroPurchaseOrderStatus
  contactId: string | null
  contactName: string | null
  date: string | null
  deliveryDate: string | null
  subTotal: string
  totalTax: string
  total: string
  lineItems: XeroLineItem[]
  updatedAt: Date | null
}

export interface XeroContactInput {
  contactId?: string
  name: string
  contactNumber?: string
  accountNumber?: string
  emailAddress?: string
  firstName?: string
  lastName?: string
  isSupplier?: boolean
  /** the billing address (Xero's POBOX address is the one invoices show) */
  address?: {
    lines: string[]
    city?: string
    region?: string
    postalCode?: string
    attentionTo?: string
  }
  phone?: string
}

export interface XeroContact {
  contactId: string
  name: string
  contactNumber: string | null
  accountNumber: string | null
  emailAddress: string | null
  status: string | null
  isSupplier: boolean
  isCustomer: boolean
  /** the POBOX (billing) address, when it has any line, city or postcode */
  address?: XeroContactInput['address'] | null
  /** the DEFAULT phone number */
  phone?: string | null
}

export interface XeroTaxRate {
  name: string
  taxType: string
  /** Effective rate in percent, as a decimal string. */
  rate: string
  status: string
  canApplyToRevenue: boolean
  canApplyToExpenses: boolean
}

export interface XeroAccount {
  accountId: string
  code: string | null
  name: string
  type: string
  taxType: string | null
  status: string
}

export interface XeroItem {
  itemId: string
  code: string
  name: string
  description: string | null
  salesAccountCode: string | null
  salesTaxType: string | null
  salesUnitPrice: string | null
  purchaseAccountCode: string | null
  purchaseTaxType: string | null
  purchaseUnitPrice: string | null
}

export interface XeroTrackingCategory {
  trackingCategoryId: string
  name: string
  status: string
  options: { trackingOptionId: string; name: string; status: string }[]
}

export interface XeroBrandingTheme {
  brandingThemeId: string
  name: string
  sortOrder: number
}

/** One currency the organisation has enabled (GET /Currencies); its base currency is among them. */
export interface XeroCurrency {
  code: string
  description: string
}

export interface XeroOrganisation {
  organisationId: string
  name: string
  baseCurrency: string
  countryCode: string
  shortCode: string | null
}

/** One element of a batch write: Xero's outcome for the document at `index` of the request. */
export type XeroWriteResult<T> =
  { ok: true; index: number; value: T } | { ok: false; index: number; messages: string[] }

export interface XeroWriteOptions {
  /** Sent as `Idempotency-Key` (≤128 chars): a new one per batch attempt, the same one on a retry of that attempt. */
  idempotencyKey?: string
}

/** Most documents one write request may carry. */
export const XERO_BATCH_LIMIT = 50

/**
 * Largest request body Xero accepts: "A single POST to the Accounting or Payroll APIs has a size limit of
 * 3.5MB" (https://developer.xero.com/documentation/auth-and-limits/xero-api-limits). Read as 3,500,000
 * bytes, the stricter of its two readings.
 */
export const XERO_MAX_REQUEST_BYTES = 3_500_000

/**
 * Invoice ids asked in one GET /Invoices (IDs filter): one page of the contract's default size ("Up to 100
 * invoices will be returned in a single API call", `page` of GET /Invoices in xero_accounting.yaml), and a
 * query string (100 × 37 characters) well under the 8 KB many proxies allow.
 */
export const XERO_INVOICE_IDS_PER_CALL = 100

/**
 * Most records one page of a list holds when `pageSize` is given: the contract names the parameter without
 * its bound (components/parameters/pageSize in xero_accounting.yaml); "Allowed values are 1 to 1000"
 * (https://cdn.cdata.com/help/DXM/py/RSBXero_p_Pagesize.htm), as the contacts list already reads them.
 */
export const XERO_MAX_PAGE_SIZE = 1000

/** The Xero operations the sync engine needs; bound to the xero-node implementation in a provider. */
/** One document as a write would send it. */
export type XeroWriteBody =
  | { kind: 'invoice'; input: XeroInvoiceInput }
  | { kind: 'credit_note'; input: XeroCreditNoteInput }
  | { kind: 'purchase_order'; input: XeroPurchaseOrderInput }

export abstract class XeroGateway {
  /** Creates invoices or bills (PUT, ≤50); one result per input, in order. */
  abstract createInvoices(
    connection: XeroConnection,
    invoices: XeroInvoiceInput[],
    options?: XeroWriteOptions
  ): Promise<XeroWriteResult<XeroInvoice>[]>

  /** Creates or updates invoices or bills (POST, ≤50); an input with `invoiceId` updates that invoice. */
  abstract updateInvoices(
    connection: XeroConnection,
    invoices: XeroInvoiceInput[],
    options?: XeroWriteOptions
  ): Promise<XeroWriteResult<XeroInvoice>[]>

  /**
   * Bytes of the body a write of these invoices sends, to cut batches under XERO_MAX_REQUEST_BYTES.
   * This estimate (amounts as quoted strings) is never below the SDK's; an implementation may be exact.
   */
  invoiceRequestBytes(invoices: XeroInvoiceInput[]): number {
    return Buffer.byteLength(JSON.stringify({ Invoices: invoices }))
  }

  /**
   * The JSON body a write of one document sends (the sync preview's "exact payload"). This default
   * shows our own fields; an implementation shows Xero's, as its SDK serialises them.
   */
  requestBody(write: XeroWriteBody): unknown {
    if (write.kind === 'invoice') return { Invoices: [write.input] }
    if (write.kind === 'credit_note') return { CreditNotes: [write.input] }
    return { PurchaseOrders: [write.input] }
  }

  abstract getInvoice(connection: XeroConnection, invoiceId: string): Promise<XeroInvoice | null>
  abstract getInvoicesByIds(
    connection: XeroConnection,
    invoiceIds: string[]
  ): Promise<XeroInvoice[]>
  abstract getInvoicesByNumbers(
    connection: XeroConnection,
    invoiceNumbers: string[]
  ): Promise<XeroInvoice[]>
  /** Invoices matching a Xero `where` filter, e.g. `Reference=="PO-12"`; one page of up to 100. */
  abstract findInvoices(
    connection: XeroConnection,
    where: string,
    page?: number
  ): Promise<XeroInvoice[]>
  /**
   * One page of the invoices and bills created or changed after `since` (If-Modified-Since); whether more
   * follow. Without their lines (`summaryOnly`): what the orphan pass reads needs none, and a page of
   * 1,000 invoices with their lines held about 30 MB of a worker's memory while it was read.
   */
  abstract invoicesModifiedSince(
    connection: XeroConnection,
    since: Date,
    page: number
  ): Promise<{ invoices: XeroInvoice[]; more: boolean }>
  /**
   * Of these invoices (ids, asked 100 a call), those in one of `statuses` that changed after `since`
   * (If-Modified-Since; all of them when null): one call per 100 ids, never one per invoice.
   */
  abstract invoicesChangedAmong(
    connection: XeroConnection,
    invoiceIds: string[],
    statuses: XeroInvoiceStatus[],
    since: Date | null
  ): Promise<XeroInvoice[]>
  /**
   * One page (`pageSize` ≤ XERO_MAX_PAGE_SIZE) of the organisation's sales invoices (ACCREC) in one of
   * `statuses` changed after `since` (If-Modified-Since; all of them when null), newest change first, and
   * how many pages there are (Xero's `pagination.pageCount`; null when the answer has none).
   */
  abstract salesInvoicesChangedSince(
    connection: XeroConnection,
    statuses: XeroInvoiceStatus[],
    since: Date | null,
    page: number,
    pageSize: number
  ): Promise<{ invoices: XeroInvoice[]; pageCount: number | null }>
  abstract getOnlineInvoiceUrl(
    connection: XeroConnection,
    invoiceId: string
  ): Promise<string | null>

  /** Creates credit notes (PUT, ≤50); one result per input, in order. */
  abstract createCreditNotes(
    connection: XeroConnection,
    notes: XeroCreditNoteInput[],
    options?: XeroWriteOptions
  ): Promise<XeroWriteResult<XeroCreditNote>[]>
  /** Creates or updates credit notes (POST, ≤50); an input with `creditNoteId` updates that one. */
  abstract updateCreditNotes(
    connection: XeroConnection,
    notes: XeroCreditNoteInput[],
    options?: XeroWriteOptions
  ): Promise<XeroWriteResult<XeroCreditNote>[]>
  /** The credit notes with these numbers (to find one before creating it). */
  abstract getCreditNotesByNumbers(
    connection: XeroConnection,
    numbers: string[]
  ): Promise<XeroCreditNote[]>
  /**
   * These credit notes (by id, a few dozen ids a GET /CreditNotes, as `where` has no id list), only
   * those in `statuses` and changed since `since` when given.
   */
  abstract creditNotesAmong(
    connection: XeroConnection,
    creditNoteIds: string[],
    filter?: { statuses?: XeroInvoiceStatus[]; since?: Date | null }
  ): Promise<XeroCreditNote[]>
  /** Allocates credit to an invoice (PUT /CreditNotes/{id}/Allocations); Xero's reasons when it refuses. */
  abstract allocateCreditNote(
    connection: XeroConnection,
    creditNoteId: string,
    allocation: { invoiceId: string; amount: string; date: string },
    options?: XeroWriteOptions
  ): Promise<{ ok: true } | { ok: false; messages: string[] }>

  abstract createPurchaseOrders(
    connection: XeroConnection,
    orders: XeroPurchaseOrderInput[],
    options?: XeroWriteOptions
  ): Promise<XeroWriteResult<XeroPurchaseOrder>[]>
  abstract updatePurchaseOrders(
    connection: XeroConnection,
    orders: XeroPurchaseOrderInput[],
    options?: XeroWriteOptions
  ): Promise<XeroWriteResult<XeroPurchaseOrder>[]>
  abstract getPurchaseOrder(
    connection: XeroConnection,
    purchaseOrderId: string
  ): Promise<XeroPurchaseOrder | null>
  /** The purchase order with this number (numbers are unique per organisation), or null. */
  abstract getPurchaseOrderByNumber(
    connection: XeroConnection,
    purchaseOrderNumber: string
  ): Promise<XeroPurchaseOrder | null>

  abstract getContactByNumber(
    connection: XeroConnection,
    contactNumber: string
  ): Promise<XeroContact | null>
  abstract findContacts(connection: XeroConnection, where: string): Promise<XeroContact[]>
  /** One page of the organisation's active contacts (`pageSize` ≤ 1000), and how many pages there are. */
  abstract listContacts(
    connection: XeroConnection,
    page: number,
    pageSize: number
  ): Promise<{ contacts: XeroContact[]; pageCount: number }>
  abstract createContacts(
    connection: XeroConnection,
    contacts: XeroContactInput[],
    options?: XeroWriteOptions
  ): Promise<XeroWriteResult<XeroContact>[]>
  /**
   * Updates contacts (POST /Contacts, ≤50, each with its `contactId`): only the fields given change,
   * an address or phone replaces the one of its type.
   */
  abstract updateContacts(
    connection: XeroConnection,
    contacts: (Partial<XeroContactInput> & { contactId: string })[],
    options?: XeroWriteOptions
  ): Promise<XeroWriteResult<XeroContact>[]>

  abstract getTaxRates(connection: XeroConnection): Promise<XeroTaxRate[]>
  abstract getAccounts(connection: XeroConnection): Promise<XeroAccount[]>
  abstract getItems(connection: XeroConnection): Promise<XeroItem[]>
  abstract getTrackingCategories(connection: XeroConnection): Promise<XeroTrackingCategory[]>
  abstract getBrandingThemes(connection: XeroConnection): Promise<XeroBrandingTheme[]>
  abstract getCurrencies(connection: XeroConnection): Promise<XeroCurrency[]>
  abstract getOrganisation(connection: XeroConnection): Promise<XeroOrganisation>

  /** The organisations the connection's token may reach (`GET /connections`). */
  abstract connections(
    connection: XeroConnection
  ): Promise<{ tenantId: string; tenantName: string; connectionId: string }[]>

  /** What the last answer from this tenant said about the remaining budget. */
  abstract rateLimits(tenantId: string): XeroRateLimits | null
}
