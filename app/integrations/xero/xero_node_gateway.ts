import PQueue from 'p-queue'
import syncConfig from '#config/sync'
import { Decimal } from 'decimal.js'
// The accounting API and its models only: `xero-node`'s index (its XeroClient) loads every Xero API
// (payroll AU/NZ/UK, assets, files, projects, bank feeds, finance, app store), about 8 MB of heap in every
// process for APIs the sync never calls. Our own OAuth code (xero_oauth) handles tokens.
import { AccountingApi } from 'xero-node/dist/gen/api/accountingApi.js'
import {
  ObjectSerializer,
  type Authentication,
} from 'xero-node/dist/gen/model/accounting/models.js'
import type { XeroBudget } from '#integrations/xero/xero_budget'
import type { XeroConfig } from '#config/xero'
import type { XeroConnection } from '#integrations/xero/xero_connection'
import type { XeroTokenStore } from '#integrations/xero/token_store'
import type { XeroOAuth } from '#integrations/xero/xero_oauth'
import {
  XeroError,
  XeroInsufficientScopeError,
  XeroNotConnectedError,
  XeroNotFoundError,
  XeroRequestTooLargeError,
  XeroUnauthorizedError,
  XeroValidationError,
  fromXeroNodeRejection,
  readRateLimits,
  type XeroRateLimits,
} from '#integrations/xero/errors'
import {
  XERO_BATCH_LIMIT,
  XERO_INVOICE_IDS_PER_CALL,
  XERO_MAX_PAGE_SIZE,
  XERO_MAX_REQUEST_BYTES,
  XeroGateway,
  type XeroAccount,
  type XeroContact,
  type XeroContactInput,
  type XeroContactRef,
  type XeroCreditNote,
  type XeroCreditNoteInput,
  type XeroInvoice,
  type XeroInvoiceInput,
  type XeroWriteBody,
  type XeroInvoiceStatus,
  type XeroItem,
  type XeroLineItem,
  type XeroLineItemInput,
  type XeroCurrency,
  type XeroOrganisation,
  type XeroBrandingTheme,
  type XeroPurchaseOrder,
  type XeroPurchaseOrderInput,
  type XeroTaxRate,
  type XeroTrackingCategory,
  type XeroWriteOptions,
  type XeroWriteResult,
} from '#integrations/xero/xero_gateway'

type SdkAnswer<T> = { response: { headers?: Record<string, unknown> }; body: T }

function money(value: unknown, places = 2): string {
  if (value === undefined || value === null || value === '') return new Decimal(0).toFixed(places)
  return new Decimal(String(value)).toFixed(places)
}

function amount(value: string | undefined): number | undefined {
  return value === undefined ? undefined : new Decimal(value).toNumber()
}

function isoDate(value: unknown): string | null {
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10)
  if (typeof value !== 'string' || value === '') return null
  const ms = /^\/Date\((-?\d+)/.exec(value)
  if (ms) return new Date(Number(ms[1])).toISOString().slice(0, 10)
  return value.slice(0, 10)
}

function dateOrNull(value: unknown): Date | null {
  if (value instanceof Date) return value
  if (typeof value === 'string' && value !== '') {
    const ms = /^\/Date\((-?\d+)/.exec(value)
    return ms ? new Date(Number(ms[1])) : new Date(value)
  }
  return null
}

function contactRef(contact: XeroContactRef) {
  return { contactID: contact.contactId, contactNumber: contact.contactNumber, name: contact.name }
}

function lineItemsOut(lines: XeroLineItemInput[] | undefined) {
  return lines?.map((line) => ({
    description: line.description,
    quantity: amount(line.quantity),
    unitAmount: amount(line.unitAmount),
    lineAmount: amount(line.lineAmount),
    accountCode: line.accountCode,
    itemCode: line.itemCode,
    taxType: line.taxType,
    tracking: line.tracking?.map((tracking) => ({ name: tracking.name, option: tracking.option })),
  }))
}

function lineItemsIn(lines: any[] | undefined): XeroLineItem[] {
  return (lines ?? []).map((line) => ({
    lineItemId: line.lineItemID ?? null,
    description: line.description ?? null,
    quantity: money(line.quantity, 4),
    unitAmount: money(line.unitAmount, 4),
    lineAmount: money(line.lineAmount),
    taxAmount: money(line.taxAmount),
    accountCode: line.accountCode ?? null,
    itemCode: line.itemCode ?? null,
    taxType: line.taxType ?? null,
    tracking: (line.tracking ?? []).map((tracking: any) => ({
      name: tracking.name,
      option: tracking.option,
    })),
  }))
}

function invoiceIn(invoice: any): XeroInvoice {
  return {
    invoiceId: invoice.invoiceID,
    type: String(invoice.type) as XeroInvoice['type'],
    invoiceNumber: invoice.invoiceNumber ?? null,
    reference: invoice.reference || null,
    status: String(invoice.status) as XeroInvoice['status'],
    contactId: invoice.contact?.contactID ?? null,
    contactName: invoice.contact?.name ?? null,
    date: isoDate(invoice.date),
    dueDate: isoDate(invoice.dueDate),
    lineAmountTypes: invoice.lineAmountTypes ?? null,
    currencyCode: invoice.currencyCode ? String(invoice.currencyCode) : null,
    subTotal: money(invoice.subTotal),
    totalTax: money(invoice.totalTax),
    total: money(invoice.total),
    amountDue: money(invoice.amountDue),
    amountPaid: money(invoice.amountPaid),
    lineItems: lineItemsIn(invoice.lineItems),
    updatedAt: dateOrNull(invoice.updatedDateUTC),
    url: invoice.url || null,
    brandingThemeId: invoice.brandingThemeID ?? null,
    fullyPaidOnDate: isoDate(invoice.fullyPaidOnDate),
  }
}

function creditNoteIn(note: any): XeroCreditNote {
  return {
    creditNoteId: note.creditNoteID,
    type: String(note.type) as XeroCreditNote['type'],
    creditNoteNumber: note.creditNoteNumber || null,
    reference: note.reference || null,
    status: String(note.status) as XeroCreditNote['status'],
    contactId: note.contact?.contactID ?? null,
    date: isoDate(note.date),
    currencyCode: note.currencyCode ? String(note.currencyCode) : null,
    subTotal: money(note.subTotal),
    totalTax: money(note.totalTax),
    total: money(note.total),
    remainingCredit: money(note.remainingCredit),
    updatedAt: dateOrNull(note.updatedDateUTC),
    fullyPaidOnDate: isoDate(note.fullyPaidOnDate),
    lineItems: lineItemsIn(note.lineItems),
    url: note.url || null,
  }
}

function creditNoteOut(note: XeroCreditNoteInput) {
  return {
    creditNoteID: note.creditNoteId,
    type: note.type,
    contact: contactRef(note.contact),
    creditNoteNumber: note.creditNoteNumber,
    reference: note.reference,
    date: note.date,
    status: note.status,
    lineAmountTypes: note.lineAmountTypes,
    currencyCode: note.currencyCode,
    lineItems: lineItemsOut(note.lineItems),
    url: note.url,
  } as any
}

function invoiceOut(invoice: XeroInvoiceInput) {
  return {
    invoiceID: invoice.invoiceId,
    type: invoice.type,
    contact: contactRef(invoice.contact),
    invoiceNumber: invoice.invoiceNumber,
    reference: invoice.reference,
    date: invoice.date,
    dueDate: invoice.dueDate,
    status: invoice.status,
    lineAmountTypes: invoice.lineAmountTypes,
    currencyCode: invoice.currencyCode,
    lineItems: lineItemsOut(invoice.lineItems),
    total: amount(invoice.total),
    sentToContact: invoice.sentToContact,
    brandingThemeID: invoice.brandingThemeId,
    url: invoice.url,
  } as any
}

function purchaseOrderIn(order: any): XeroPurchaseOrder {
  return {
    purchaseOrderId: order.purchaseOrderID,
    purchaseOrderNumber: order.purchaseOrderNumber ?? null,
    reference: order.reference || null,
    status: String(order.status) as XeroPurchaseOrder['status'],
    contactId: order.contact?.contactID ?? null,
    contactName: order.contact?.name ?? null,
    date: isoDate(order.date),
    deliveryDate: isoDate(order.deliveryDate),
    subTotal: money(order.subTotal),
    totalTax: money(order.totalTax),
    total: money(order.total),
    lineItems: lineItemsIn(order.lineItems),
    updatedAt: dateOrNull(order.updatedDateUTC),
  }
}

function purchaseOrderOut(order: XeroPurchaseOrderInput) {
  return {
    purchaseOrderID: order.purchaseOrderId,
    contact: contactRef(order.contact),
    purchaseOrderNumber: order.purchaseOrderNumber,
    reference: order.reference,
    date: order.date,
    deliveryDate: order.deliveryDate,
    deliveryAddress: order.deliveryAddress,
    attentionTo: order.attentionTo,
    status: order.status,
    lineAmountTypes: order.lineAmountTypes,
    currencyCode: order.currencyCode,
    lineItems: lineItemsOut(order.lineItems),
  } as any
}

function contactIn(contact: any): XeroContact {
  return {
    contactId: contact.contactID,
    name: contact.name,
    contactNumber: contact.contactNumber ?? null,
    accountNumber: contact.accountNumber ?? null,
    emailAddress: contact.emailAddress || null,
    status: contact.contactStatus ? String(contact.contactStatus) : null,
    isSupplier: Boolean(contact.isSupplier),
    isCustomer: Boolean(contact.isCustomer),
    address: billingAddressIn(contact.addresses),
    phone:
      contact.phones?.find((phone: any) => String(phone.phoneType) === 'DEFAULT')?.phoneNumber ||
      null,
  }
}

/** The POBOX address (the one invoices show), or null when it has no line, city or postcode. */
function billingAddressIn(addresses: any[] | undefined): XeroContact['address'] {
  const found = addresses?.find((address) => String(address.addressType) === 'POBOX')
  if (!found) return null
  const lines = [
    found.addressLine1,
    found.addressLine2,
    found.addressLine3,
    found.addressLine4,
  ].filter((line): line is string => Boolean(line))
  if (!lines.length && !found.city && !found.postalCode) return null
  return {
    lines,
    city: found.city || undefined,
    region: found.region || undefined,
    postalCode: found.postalCode || undefined,
  }
}

/** A contact as xero-node sends it; fields left undefined are left out of the request (Xero keeps them). */
function contactOut(contact: XeroContactInput) {
  return {
    contactID: contact.contactId,
    name: contact.name,
    contactNumber: contact.contactNumber,
    accountNumber: contact.accountNumber,
    emailAddress: contact.emailAddress,
    firstName: contact.firstName,
    lastName: contact.lastName,
    isSupplier: contact.isSupplier,
    addresses: contact.address
      ? [
          {
            addressType: 'POBOX',
            addressLine1: contact.address.lines[0],
            addressLine2: contact.address.lines[1],
            city: contact.address.city,
            region: contact.address.region,
            postalCode: contact.address.postalCode,
            attentionTo: contact.address.attentionTo,
          },
        ]
      : undefined,
    phones: contact.phone ? [{ phoneType: 'DEFAULT', phoneNumber: contact.phone }] : undefined,
  }
}

/** Per-element outcome of a batch answered with summarizeErrors=false. */
function writeResults<T>(
  elements: any[] | undefined,
  map: (element: any) => T
): XeroWriteResult<T>[] {
  return (elements ?? []).map((element, index) =>
    element.hasErrors || (element.validationErrors?.length ?? 0) > 0
      ? {
          ok: false as const,
          index,
          messages: (element.validationErrors ?? []).map((error: any) => String(error.message)),
        }
      : { ok: true as const, index, value: map(element) }
  )
}

/** Credit notes are asked by id through `where` (no id list on GET /CreditNotes): this many keep the URL short. */
const CREDIT_NOTE_IDS_PER_CALL = 40
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function chunks<T>(values: T[], size: number): T[][] {
  const out: T[][] = []
  for (let index = 0; index < values.length; index += size)
    out.push(values.slice(index, index + size))
  return out
}

function assertBatch(count: number) {
  if (count > XERO_BATCH_LIMIT)
    throw new RangeError(`A Xero batch holds at most ${XERO_BATCH_LIMIT} documents (got ${count}).`)
}

/**
 * XeroGateway on the official xero-node SDK. A client is built per call (the
 * SDK keeps the token on the client, and calls for several products run at
 * once); a 401 triggers one refresh-and-retry.
 */
export class XeroNodeGateway extends XeroGateway {
  private limits = new Map<string, XeroRateLimits>()
  /** This process's calls in flight per organisation, at most SYNC_XERO_IN_FLIGHT (see `call`). */
  private inFlight = new Map<string, PQueue>()

  constructor(
    private config: XeroConfig,
    private tokens: XeroTokenStore,
    private oauth: XeroOAuth,
    /** Each organisation's shared call budget; without one, only Xero's 429s pace the calls. */
    private budget: XeroBudget | null = null
  ) {
    super()
  }

  rateLimits(tenantId: string): XeroRateLimits | null {
    return this.limits.get(tenantId) ?? null
  }

  /** Exact: the body xero-node sends is its serialisation of the same payload, as JSON. */
  override invoiceRequestBytes(invoices: XeroInvoiceInput[]) {
    const body = ObjectSerializer.serialize({ invoices: invoices.map(invoiceOut) }, 'Invoices')
    return Buffer.byteLength(JSON.stringify(body))
  }

  override requestBody(write: XeroWriteBody) {
    if (write.kind === 'invoice')
      return ObjectSerializer.serialize({ invoices: [invoiceOut(write.input)] }, 'Invoices')
    if (write.kind === 'credit_note')
      return ObjectSerializer.serialize(
        { creditNotes: [creditNoteOut(write.input)] },
        'CreditNotes'
      )
    return ObjectSerializer.serialize(
      { purchaseOrders: [purchaseOrderOut(write.input)] },
      'PurchaseOrders'
    )
  }

  async createInvoices(
    connection: XeroConnection,
    invoices: XeroInvoiceInput[],
    options: XeroWriteOptions = {}
  ) {
    assertBatch(invoices.length)
    this.assertSize(invoices)
    const body = await this.call(connection, (api, tenantId) =>
      api.createInvoices(
        tenantId,
        { invoices: invoices.map(invoiceOut) },
        false,
        4,
        options.idempotencyKey
      )
    )
    return writeResults(body.invoices, invoiceIn)
  }

  async updateInvoices(
    connection: XeroConnection,
    invoices: XeroInvoiceInput[],
    options: XeroWriteOptions = {}
  ) {
    assertBatch(invoices.length)
    this.assertSize(invoices)
    const body = await this.call(connection, (api, tenantId) =>
      api.updateOrCreateInvoices(
        tenantId,
        { invoices: invoices.map(invoiceOut) },
        false,
        4,
        options.idempotencyKey
      )
    )
    return writeResults(body.invoices, invoiceIn)
  }

  /** A read of one document by id or number: Xero's 404 means there is none. */
  private async nullWhenMissing<T>(read: () => Promise<T | null>): Promise<T | null> {
    try {
      return await read()
    } catch (error) {
      if (error instanceof XeroNotFoundError) return null
      throw error
    }
  }

  async getInvoice(connection: XeroConnection, invoiceId: string) {
    return this.nullWhenMissing(async () => {
      const body = await this.call(connection, (api, tenantId) =>
        api.getInvoice(tenantId, invoiceId, 4)
      )
      return body.invoices?.[0] ? invoiceIn(body.invoices[0]) : null
    })
  }

  async getInvoicesByIds(connection: XeroConnection, invoiceIds: string[]) {
    const found: XeroInvoice[] = []
    for (const ids of chunks(invoiceIds, 50)) {
      const body = await this.call(connection, (api, tenantId) =>
        api.getInvoices(
          tenantId,
          undefined,
          undefined,
          undefined,
          ids,
          undefined,
          undefined,
          undefined,
          1,
          undefined,
          undefined,
          4
        )
      )
      found.push(...(body.invoices ?? []).map(invoiceIn))
    }
    return found
  }

  async getInvoicesByNumbers(connection: XeroConnection, invoiceNumbers: string[]) {
    const found: XeroInvoice[] = []
    for (const numbers of chunks(invoiceNumbers, 50)) {
      const body = await this.call(connection, (api, tenantId) =>
        api.getInvoices(
          tenantId,
          undefined,
          undefined,
          undefined,
          undefined,
          numbers,
          undefined,
          undefined,
          1,
          undefined,
          undefined,
          4
        )
      )
      found.push(...(body.invoices ?? []).map(invoiceIn))
    }
    return found
  }

  async findInvoices(connection: XeroConnection, where: string, page = 1) {
    const body = await this.call(connection, (api, tenantId) =>
      api.getInvoices(
        tenantId,
        undefined,
        where,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        page,
        undefined,
        undefined,
        4
      )
    )
    return (body.invoices ?? []).map(invoiceIn)
  }

  async invoicesModifiedSince(connection: XeroConnection, since: Date, page: number) {
    const pageSize = 1000
    const none = undefined
    const body = await this.call(connection, (api, tenantId) =>
      api.getInvoices(
        tenantId,
        since,
        none,
        none,
        none,
        none,
        none,
        none,
        page,
        none,
        none,
        4,
        true,
        pageSize
      )
    )
    const invoices = (body.invoices ?? []).map(invoiceIn)
    return { invoices, more: invoices.length === pageSize }
  }

  async invoicesChangedAmong(
    connection: XeroConnection,
    invoiceIds: string[],
    statuses: XeroInvoiceStatus[],
    since: Date | null
  ) {
    const found: XeroInvoice[] = []
    for (const ids of chunks(invoiceIds, XERO_INVOICE_IDS_PER_CALL)) {
      const body = await this.call(connection, (api, tenantId) =>
        api.getInvoices(
          tenantId,
          since ?? undefined,
          undefined,
          undefined,
          ids,
          undefined,
          undefined,
          statuses,
          1,
          undefined,
          undefined,
          4,
          undefined,
          XERO_INVOICE_IDS_PER_CALL
        )
      )
      found.push(...(body.invoices ?? []).map(invoiceIn))
    }
    return found
  }

  async salesInvoicesChangedSince(
    connection: XeroConnection,
    statuses: XeroInvoiceStatus[],
    since: Date | null,
    page: number,
    pageSize: number
  ) {
    const none = undefined
    const size = Math.min(pageSize, XERO_MAX_PAGE_SIZE)
    // Newest change first (UpdatedDateUTC is one of Xero's optimised orders for invoices, as Type is of its
    // filters: https://cdn.cdata.com/help/DXK/rcmd/pg_accountingtable-invoices.htm). An invoice changed while
    // the pages are read moves to page 1, read already but seen by the next check (its change is after this
    // one began); the others move down, so one is read twice rather than skipped.
    const body = await this.call(connection, (api, tenantId) =>
      api.getInvoices(
        tenantId,
        since ?? none,
        'Type=="ACCREC"',
        'UpdatedDateUTC DESC',
        none,
        none,
        none,
        statuses,
        page,
        none,
        none,
        4,
        none,
        size
      )
    )
    return {
      invoices: (body.invoices ?? []).map(invoiceIn),
      pageCount: body.pagination?.pageCount ?? null,
    }
  }

  async getOnlineInvoiceUrl(connection: XeroConnection, invoiceId: string) {
    const body = await this.call(connection, (api, tenantId) =>
      api.getOnlineInvoice(tenantId, invoiceId)
    )
    return body.onlineInvoices?.[0]?.onlineInvoiceUrl ?? null
  }

  async createCreditNotes(
    connection: XeroConnection,
    notes: XeroCreditNoteInput[],
    options: XeroWriteOptions = {}
  ) {
    assertBatch(notes.length)
    const body = await this.call(connection, (api, tenantId) =>
      api.createCreditNotes(
        tenantId,
        { creditNotes: notes.map(creditNoteOut) },
        false,
        4,
        options.idempotencyKey
      )
    )
    return writeResults(body.creditNotes, creditNoteIn)
  }

  async updateCreditNotes(
    connection: XeroConnection,
    notes: XeroCreditNoteInput[],
    options: XeroWriteOptions = {}
  ) {
    assertBatch(notes.length)
    const body = await this.call(connection, (api, tenantId) =>
      api.updateOrCreateCreditNotes(
        tenantId,
        { creditNotes: notes.map(creditNoteOut) },
        false,
        4,
        options.idempotencyKey
      )
    )
    return writeResults(body.creditNotes, creditNoteIn)
  }

  async getCreditNotesByNumbers(connection: XeroConnection, numbers: string[]) {
    const found: XeroCreditNote[] = []
    for (const chunk of chunks(numbers, 25)) {
      const where = chunk
        .map((number) => `CreditNoteNumber=="${number.replace(/["\\]/g, '')}"`)
        .join(' OR ')
      const body = await this.call(connection, (api, tenantId) =>
        api.getCreditNotes(tenantId, undefined, where, undefined, 1, 4)
      )
      found.push(...(body.creditNotes ?? []).map(creditNoteIn))
    }
    return found
  }

  async creditNotesAmong(
    connection: XeroConnection,
    creditNoteIds: string[],
    filter: { statuses?: XeroInvoiceStatus[]; since?: Date | null } = {}
  ) {
    const found: XeroCreditNote[] = []
    const statuses = (filter.statuses ?? []).map((status) => `Status=="${status}"`).join(' OR ')
    for (const ids of chunks(creditNoteIds, CREDIT_NOTE_IDS_PER_CALL)) {
      const byId = ids
        .filter((id) => GUID.test(id))
        .map((id) => `CreditNoteID==guid("${id}")`)
        .join(' OR ')
      if (!byId) continue
      const where = statuses ? `(${byId}) AND (${statuses})` : byId
      const body = await this.call(connection, (api, tenantId) =>
        api.getCreditNotes(
          tenantId,
          filter.since ?? undefined,
          where,
          undefined,
          1,
          4,
          CREDIT_NOTE_IDS_PER_CALL
        )
      )
      found.push(...(body.creditNotes ?? []).map(creditNoteIn))
    }
    return found
  }

  async allocateCreditNote(
    connection: XeroConnection,
    creditNoteId: string,
    allocation: { invoiceId: string; amount: string; date: string },
    options: XeroWriteOptions = {}
  ): Promise<{ ok: true } | { ok: false; messages: string[] }> {
    try {
      await this.call(connection, (api, tenantId) =>
        api.createCreditNoteAllocation(
          tenantId,
          creditNoteId,
          {
            allocations: [
              {
                invoice: { invoiceID: allocation.invoiceId },
                amount: Number(allocation.amount),
                date: allocation.date,
              },
            ],
          } as any,
          false,
          options.idempotencyKey
        )
      )
      return { ok: true }
    } catch (error) {
      if (error instanceof XeroValidationError) return { ok: false, messages: error.messages }
      throw error
    }
  }

  async createPurchaseOrders(
    connection: XeroConnection,
    orders: XeroPurchaseOrderInput[],
    options: XeroWriteOptions = {}
  ) {
    assertBatch(orders.length)
    const body = await this.call(connection, (api, tenantId) =>
      api.createPurchaseOrders(
        tenantId,
        { purchaseOrders: orders.map(purchaseOrderOut) },
        false,
        options.idempotencyKey
      )
    )
    return writeResults(body.purchaseOrders, purchaseOrderIn)
  }

  async updatePurchaseOrders(
    connection: XeroConnection,
    orders: XeroPurchaseOrderInput[],
    options: XeroWriteOptions = {}
  ) {
    assertBatch(orders.length)
    const body = await this.call(connection, (api, tenantId) =>
      api.updateOrCreatePurchaseOrders(
        tenantId,
        { purchaseOrders: orders.map(purchaseOrderOut) },
        false,
        options.idempotencyKey
      )
    )
    return writeResults(body.purchaseOrders, purchaseOrderIn)
  }

  async getPurchaseOrder(connection: XeroConnection, purchaseOrderId: string) {
    return this.nullWhenMissing(async () => {
      const body = await this.call(connection, (api, tenantId) =>
        api.getPurchaseOrder(tenantId, purchaseOrderId)
      )
      return body.purchaseOrders?.[0] ? purchaseOrderIn(body.purchaseOrders[0]) : null
    })
  }

  async getPurchaseOrderByNumber(connection: XeroConnection, purchaseOrderNumber: string) {
    return this.nullWhenMissing(async () => {
      const body = await this.call(connection, (api, tenantId) =>
        api.getPurchaseOrderByNumber(tenantId, purchaseOrderNumber)
      )
      return body.purchaseOrders?.[0] ? purchaseOrderIn(body.purchaseOrders[0]) : null
    })
  }

  async getContactByNumber(connection: XeroConnection, contactNumber: string) {
    return this.nullWhenMissing(async () => {
      const body = await this.call(connection, (api, tenantId) =>
        api.getContactByContactNumber(tenantId, contactNumber)
      )
      return body.contacts?.[0] ? contactIn(body.contacts[0]) : null
    })
  }

  async findContacts(connection: XeroConnection, where: string) {
    const body = await this.call(connection, (api, tenantId) =>
      api.getContacts(tenantId, undefined, where)
    )
    return (body.contacts ?? []).map(contactIn)
  }

  async listContacts(connection: XeroConnection, page: number, pageSize: number) {
    const body = await this.call(connection, (api, tenantId) =>
      api.getContacts(
        tenantId,
        undefined,
        undefined,
        'ContactID',
        undefined,
        page,
        false,
        undefined,
        undefined,
        pageSize
      )
    )
    const contacts = (body.contacts ?? []).map(contactIn)
    return {
      contacts,
      pageCount: body.pagination?.pageCount ?? (contacts.length < pageSize ? page : page + 1),
    }
  }

  async createContacts(
    connection: XeroConnection,
    contacts: XeroContactInput[],
    options: XeroWriteOptions = {}
  ) {
    assertBatch(contacts.length)
    const payload = contacts.map(contactOut)
    const body = await this.call(connection, (api, tenantId) =>
      api.createContacts(tenantId, { contacts: payload as any }, false, options.idempotencyKey)
    )
    return writeResults(body.contacts, contactIn)
  }

  async updateContacts(
    connection: XeroConnection,
    contacts: (Partial<XeroContactInput> & { contactId: string })[],
    options: XeroWriteOptions = {}
  ) {
    assertBatch(contacts.length)
    const payload = contacts.map((contact) => contactOut(contact as XeroContactInput))
    const body = await this.call(connection, (api, tenantId) =>
      api.updateOrCreateContacts(
        tenantId,
        { contacts: payload as any },
        false,
        options.idempotencyKey
      )
    )
    return writeResults(body.contacts, contactIn)
  }

  async getTaxRates(connection: XeroConnection): Promise<XeroTaxRate[]> {
    const body = await this.call(connection, (api, tenantId) => api.getTaxRates(tenantId))
    return (body.taxRates ?? []).map((rate) => ({
      name: rate.name ?? '',
      taxType: rate.taxType ?? '',
      rate: money(rate.effectiveRate ?? rate.displayTaxRate, 4),
      status: String(rate.status ?? ''),
      canApplyToRevenue: Boolean(rate.canApplyToRevenue),
      canApplyToExpenses: Boolean(rate.canApplyToExpenses),
    }))
  }

  async getAccounts(connection: XeroConnection): Promise<XeroAccount[]> {
    const body = await this.call(connection, (api, tenantId) => api.getAccounts(tenantId))
    return (body.accounts ?? []).map((account) => ({
      accountId: account.accountID ?? '',
      code: account.code ?? null,
      name: account.name ?? '',
      type: String(account.type ?? ''),
      taxType: account.taxType ?? null,
      status: String(account.status ?? ''),
    }))
  }

  async getItems(connection: XeroConnection): Promise<XeroItem[]> {
    const body = await this.call(connection, (api, tenantId) =>
      api.getItems(tenantId, undefined, undefined, undefined, 4)
    )
    return (body.items ?? []).map((item) => ({
      itemId: item.itemID ?? '',
      code: item.code,
      name: item.name ?? item.code,
      description: item.description ?? null,
      salesAccountCode: item.salesDetails?.accountCode ?? null,
      salesTaxType: item.salesDetails?.taxType ?? null,
      salesUnitPrice:
        item.salesDetails?.unitPrice === undefined ? null : money(item.salesDetails.unitPrice, 4),
      purchaseAccountCode: item.purchaseDetails?.accountCode ?? null,
      purchaseTaxType: item.purchaseDetails?.taxType ?? null,
      purchaseUnitPrice:
        item.purchaseDetails?.unitPrice === undefined
          ? null
          : money(item.purchaseDetails.unitPrice, 4),
    }))
  }

  async getTrackingCategories(connection: XeroConnection): Promise<XeroTrackingCategory[]> {
    const body = await this.call(connection, (api, tenantId) => api.getTrackingCategories(tenantId))
    return (body.trackingCategories ?? []).map((category) => ({
      trackingCategoryId: category.trackingCategoryID ?? '',
      name: category.name ?? '',
      status: String(category.status ?? ''),
      options: (category.options ?? []).map((option) => ({
        trackingOptionId: option.trackingOptionID ?? '',
        name: option.name ?? '',
        status: String(option.status ?? ''),
      })),
    }))
  }

  async getBrandingThemes(connection: XeroConnection): Promise<XeroBrandingTheme[]> {
    const body = await this.call(connection, (api, tenantId) => api.getBrandingThemes(tenantId))
    return (body.brandingThemes ?? []).map((theme) => ({
      brandingThemeId: theme.brandingThemeID ?? '',
      name: theme.name ?? '',
      sortOrder: theme.sortOrder ?? 0,
    }))
  }

  async getCurrencies(connection: XeroConnection): Promise<XeroCurrency[]> {
    const body = await this.call(connection, (api, tenantId) => api.getCurrencies(tenantId))
    return (body.currencies ?? []).map((currency) => ({
      code: String(currency.code ?? ''),
      description: currency.description ?? '',
    }))
  }

  async getOrganisation(connection: XeroConnection): Promise<XeroOrganisation> {
    const body = await this.call(connection, (api, tenantId) => api.getOrganisations(tenantId))
    const organisation: any = body.organisations?.[0] ?? {}
    return {
      organisationId: organisation.organisationID,
      name: organisation.name,
      baseCurrency: String(organisation.baseCurrency ?? ''),
      countryCode: String(organisation.countryCode ?? ''),
      shortCode: organisation.shortCode ?? null,
    }
  }

  async connections(connection: XeroConnection) {
    let token = await this.tokens.accessToken(connection)
    try {
      return await this.describe(await this.oauth.connections(token))
    } catch (error) {
      if (!(error instanceof XeroUnauthorizedError)) throw error
      token = (await this.tokens.refresh(connection, token)).accessToken
      return this.describe(await this.oauth.connections(token))
    }
  }

  /** Never sends what Xero would refuse as too large (a 413 after uploading megabytes). */
  private assertSize(invoices: XeroInvoiceInput[]) {
    const bytes = this.invoiceRequestBytes(invoices)
    if (bytes > XERO_MAX_REQUEST_BYTES) {
      throw new XeroRequestTooLargeError(
        `A request of ${bytes} bytes is over the ${XERO_MAX_REQUEST_BYTES} bytes Xero accepts; cut the batch.`
      )
    }
  }

  private describe(connections: { tenantId: string; tenantName: string; connectionId: string }[]) {
    return connections.map(({ tenantId, tenantName, connectionId }) => ({
      tenantId,
      tenantName,
      connectionId,
    }))
  }

  /** A fresh SDK client on our base URL with this token and our time-out; `sending` runs as a request leaves. */
  private client(accessToken: string, sending?: () => void): AccountingApi {
    const api = new AccountingApi(this.config.apiUrl)
    const timeout: Authentication = {
      applyToRequest: (request: any) => {
        request.timeout = this.config.timeoutMs
        sending?.()
      },
    }
    api.setDefaultAuthentication(timeout)
    api.accessToken = accessToken
    return api
  }

  /** Runs one SDK call for the connection's tenant; parses failures once; retries once after a 401. */
  private async call<T>(
    connection: XeroConnection,
    run: (api: AccountingApi, tenantId: string) => Promise<SdkAnswer<T>>
  ): Promise<T> {
    const tenantId = connection.tenantId
    if (!tenantId)
      throw new XeroNotConnectedError(
        `Product ${connection.productId} has no Xero organisation selected.`
      )
    // However many lanes a run has (invoices, credit notes, a contact pass beside them), this process
    // sends an organisation at most SYNC_XERO_IN_FLIGHT calls at once; the budget holds every process
    // together to Xero's own limits.
    let queue = this.inFlight.get(tenantId)
    if (!queue) {
      queue = new PQueue({ concurrency: syncConfig.xeroInFlight })
      this.inFlight.set(tenantId, queue)
    }
    return queue.add(() => this.attempts(connection, tenantId, run))
  }

  private async attempts<T>(
    connection: XeroConnection,
    tenantId: string,
    run: (api: AccountingApi, tenantId: string) => Promise<SdkAnswer<T>>
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.accessToken(connection)
      const slot = await this.budget?.acquire(tenantId)
      let observed: XeroRateLimits | null = null
      // When the request leaves, for its entry in the minute (XeroBudget.release): stamped again once the
      // SDK has serialised the body and hands it to axios, since a busy worker can take a while to get there.
      let sentAt = Date.now()
      try {
        const answer = await run(
          this.client(token, () => (sentAt = Date.now())),
          tenantId
        )
        observed = readRateLimits(answer.response.headers)
        this.remember(tenantId, observed)
        return answer.body
      } catch (rejection) {
        if (rejection instanceof Error && !(rejection instanceof XeroError)) throw rejection
        const error = fromXeroNodeRejection(rejection)
        observed = error.rateLimits
        this.remember(tenantId, error.rateLimits)
        if (
          error instanceof XeroUnauthorizedError &&
          !(error instanceof XeroInsufficientScopeError) &&
          attempt === 0
        ) {
          await this.tokens.refresh(connection, token)
          continue
        }
        throw error
      } finally {
        if (slot) await this.budget!.release(tenantId, slot, observed, sentAt)
      }
    }
  }

  private remember(tenantId: string, limits: XeroRateLimits | null) {
    if (limits) this.limits.set(tenantId, limits)
  }
}
