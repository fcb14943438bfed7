import { randomBytes, randomUUID } from 'node:crypto'
import { computeDocument } from '#sandbox/xero/money'
import { dateString, envelope, msDate, parseXeroDate, UUID_PATTERN } from '#sandbox/xero/format'
import { compileOrder, compileWhere, WhereParseError } from '#sandbox/xero/where'
import { handlePayments } from '#sandbox/xero/payments'
import { saveTaxRates } from '#sandbox/xero/tax_rates'
import {
  addCurrency,
  currencyError,
  documentCurrency,
  listCurrencies,
} from '#sandbox/xero/currencies'
import { handleCreditNotes } from '#sandbox/xero/credit_notes'
import type { XeroSandboxState } from '#sandbox/xero/state'
import type {
  SandboxContact,
  SandboxInvoice,
  SandboxLineAmountTypes,
  SandboxLineItem,
  SandboxOrganisation,
  SandboxPurchaseOrder,
} from '#sandbox/xero/types'

/** One Accounting API call, already authenticated and bound to its organisation. */
export interface AccountingCall {
  state: XeroSandboxState
  org: SandboxOrganisation
  method: string
  segments: string[]
  query: URLSearchParams
  body: unknown
  publicUrl: string
  /** The If-Modified-Since header, in sandbox milliseconds; null when absent. */
  modifiedSince: number | null
}

export interface SandboxAnswer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

type Json = Record<string, any>

const NOT_FOUND: SandboxAnswer = {
  status: 404,
  body: "The resource you're looking for cannot be found",
}
const EDITABLE_INVOICE = ['DRAFT', 'SUBMITTED', 'AUTHORISED']
const EDITABLE_PURCHASE_ORDER = ['DRAFT', 'SUBMITTED', 'AUTHORISED']

export function validationException(message: string, elements: unknown[] = []): SandboxAnswer {
  return {
    status: 400,
    body: { ErrorNumber: 10, Type: 'ValidationException', Message: message, Elements: elements },
  }
}

function money(value: number) {
  return Math.round(value * 100) / 100
}

// ---------------------------------------------------------------- JSON shapes

function lineJson(line: SandboxLineItem) {
  return {
    LineItemID: line.LineItemID,
    Description: line.Description,
    Quantity: line.Quantity,
    UnitAmount: line.UnitAmount,
    ItemCode: line.ItemCode,
    AccountCode: line.AccountCode,
    TaxType: line.TaxType,
    TaxAmount: line.TaxAmount,
    LineAmount: line.LineAmount,
    DiscountRate: line.DiscountRate,
    DiscountAmount: line.DiscountAmount,
    Tracking: line.Tracking.map((tracking) => ({ ...tracking })),
  }
}

function invoiceJson(invoice: SandboxInvoice) {
  return {
    Type: invoice.Type,
    InvoiceID: invoice.InvoiceID,
    InvoiceNumber: invoice.InvoiceNumber,
    Reference: invoice.Reference ?? '',
    Payments: [],
    CreditNotes: [],
    Prepayments: [],
    Overpayments: [],
    AmountDue: invoice.AmountDue,
    AmountPaid: invoice.AmountPaid,
    AmountCredited: invoice.AmountCredited,
    CurrencyRate: invoice.CurrencyRate,
    IsDiscounted: false,
    HasAttachments: false,
    HasErrors: false,
    Contact: { ...invoice.Contact },
    DateString: dateString(invoice.Date),
    Date: msDate(invoice.Date),
    DueDateString: invoice.DueDate === null ? undefined : dateString(invoice.DueDate),
    DueDate: invoice.DueDate === null ? undefined : msDate(invoice.DueDate),
    FullyPaidOnDate:
      invoice.FullyPaidOnDate === undefined ? undefined : msDate(invoice.FullyPaidOnDate),
    Status: invoice.Status,
    LineAmountTypes: invoice.LineAmountTypes,
    LineItems: invoice.LineItems.map(lineJson),
    SubTotal: invoice.SubTotal,
    TotalTax: invoice.TotalTax,
    Total: invoice.Total,
    UpdatedDateUTC: msDate(invoice.UpdatedDateUTC),
    CurrencyCode: invoice.CurrencyCode,
    SentToContact: invoice.SentToContact,
    BrandingThemeID: invoice.BrandingThemeID,
    Url: invoice.Url,
  }
}

function purchaseOrderJson(order: SandboxPurchaseOrder) {
  return {
    PurchaseOrderID: order.PurchaseOrderID,
    PurchaseOrderNumber: order.PurchaseOrderNumber,
    Reference: order.Reference ?? '',
    Contact: { ...order.Contact },
    DateString: dateString(order.Date),
    Date: msDate(order.Date),
    DeliveryDateString: order.DeliveryDate === null ? undefined : dateString(order.DeliveryDate),
    DeliveryDate: order.DeliveryDate === null ? undefined : msDate(order.DeliveryDate),
    DeliveryAddress: order.DeliveryAddress,
    AttentionTo: order.AttentionTo,
    Telephone: order.Telephone,
    DeliveryInstructions: order.DeliveryInstructions,
    Status: order.Status,
    LineAmountTypes: order.LineAmountTypes,
    LineItems: order.LineItems.map(lineJson),
    SubTotal: order.SubTotal,
    TotalTax: order.TotalTax,
    Total: order.Total,
    CurrencyCode: order.CurrencyCode,
    CurrencyRate: order.CurrencyRate,
    SentToContact: order.SentToContact,
    HasAttachments: false,
    IsDiscounted: false,
    HasErrors: false,
    UpdatedDateUTC: msDate(order.UpdatedDateUTC),
  }
}

/** An invoice as summaryOnly=true lists it: without its lines and its lists of allocations. */
function summaryJson(invoice: ReturnType<typeof invoiceJson>) {
  const summary: Partial<ReturnType<typeof invoiceJson>> = { ...invoice }
  for (const left of [
    'LineItems',
    'Payments',
    'CreditNotes',
    'Prepayments',
    'Overpayments',
  ] as const)
    delete summary[left]
  return summary
}

function contactJson(contact: SandboxContact) {
  return { ...contact, UpdatedDateUTC: msDate(contact.UpdatedDateUTC), HasValidationErrors: false }
}

function withDates<T extends { UpdatedDateUTC?: number }>(record: T) {
  return {
    ...record,
    UpdatedDateUTC: record.UpdatedDateUTC === undefined ? undefined : msDate(record.UpdatedDateUTC),
  }
}

// ---------------------------------------------------------------- listing

export function listAnswer(
  call: AccountingCall,
  key: string,
  records: Json[],
  filters: ((record: Json) => boolean)[] = []
) {
  let matching: Json[]
  try {
    const where = compileWhere(call.query.get('where'))
    matching = records.filter(
      (record) => where(record) && filters.every((filter) => filter(record))
    )
    const order = compileOrder(call.query.get('order'))
    if (order) matching = [...matching].sort(order)
  } catch (error) {
    if (error instanceof WhereParseError) {
      return {
        status: 400,
        body: { ErrorNumber: 16, Type: 'QueryParseException', Message: error.message },
      }
    }
    throw error
  }
  // Paged when `page` is given: 100 a page by default ("Up to 100 invoices will be returned in a single API
  // call", `page` of GET /Invoices in xero_accounting.yaml), `pageSize` at most 1000 ("Allowed values are 1
  // to 1000", https://cdn.cdata.com/help/DXM/py/RSBXero_p_Pagesize.htm; the contract gives no bound), and
  // the `pagination` object of the contract's list examples (page, pageSize, pageCount, itemCount).
  const page = Number(call.query.get('page') ?? 0)
  if (page >= 1) {
    const pageSize = Math.min(1000, Number(call.query.get('pageSize') ?? 100) || 100)
    const itemCount = matching.length
    matching = matching.slice((page - 1) * pageSize, page * pageSize)
    return {
      status: 200,
      body: envelope(call.state.clock.now(), key, matching, {
        pagination: { page, pageSize, pageCount: Math.ceil(itemCount / pageSize), itemCount },
      }),
    }
  }
  return { status: 200, body: envelope(call.state.clock.now(), key, matching) }
}

function csv(call: AccountingCall, name: string): string[] | null {
  const raw = call.query.get(name)
  if (!raw) return null
  return raw
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)
}

// ---------------------------------------------------------------- shared document rules

interface PreparedLines {
  lines: SandboxLineItem[]
  subTotal: number
  totalTax: number
  total: number
}

function taxRateOf(org: SandboxOrganisation, taxType: string | undefined): number | null {
  const rate = org.taxRates.find(
    (candidate) => candidate.TaxType === taxType && candidate.Status === 'ACTIVE'
  )
  return rate ? rate.EffectiveRate : null
}

/** Checks and prices the lines of an invoice or purchase order; errors are Xero's messages. */
export function prepareLines(
  org: SandboxOrganisation,
  input: Json,
  lineAmountTypes: SandboxLineAmountTypes,
  unitdp: number,
  sales: boolean,
  requireAccounts: boolean,
  errors: string[]
): PreparedLines {
  const rawLines: Json[] = Array.isArray(input.LineItems) ? input.LineItems : []
  const defaultTax = sales ? 'OUTPUT2' : 'INPUT2'
  const resolved = rawLines.map((line) => {
    const item = line.ItemCode
      ? org.items.find((candidate) => candidate.Code === line.ItemCode)
      : undefined
    if (line.ItemCode && !item) errors.push(`Item code '${line.ItemCode}' is not valid.`)
    const details = item ? (sales ? item.SalesDetails : item.PurchaseDetails) : {}
    const accountCode: string | undefined = line.AccountCode ?? details.AccountCode
    const account = accountCode
      ? org.accounts.find((candidate) => candidate.Code === accountCode)
      : undefined
    if (accountCode && (!account || account.Status !== 'ACTIVE' || account.Type === 'BANK')) {
      errors.push(`Account code '${accountCode}' is not a valid code for this document.`)
    }
    if (!accountCode && requireAccounts) {
      errors.push(
        'A valid account code must be specified for each line item before the document can be approved.'
      )
    }
    const taxType: string | undefined =
      lineAmountTypes === 'NoTax'
        ? 'NONE'
        : (line.TaxType ?? details.TaxType ?? account?.TaxType ?? defaultTax)
    let taxRate = taxRateOf(org, taxType)
    if (taxRate === null) {
      errors.push(
        `The TaxType code '${taxType}' does not exist or cannot be used for this type of transaction.`
      )
      taxRate = 0
    }
    const asked: Json[] = Array.isArray(line.Tracking) ? line.Tracking : []
    // xero_accounting.yaml, LineItem.Tracking: "Any LineItem can have a maximum of 2 <TrackingCategory> elements".
    if (asked.length > 2) errors.push('A line item can have a maximum of 2 tracking categories.')
    const tracking = asked.map((entry: Json) => {
      const category = org.trackingCategories.find(
        (candidate) =>
          candidate.Name === entry.Name || candidate.TrackingCategoryID === entry.TrackingCategoryID
      )
      const option = category?.Options.find(
        (candidate) =>
          candidate.Name === entry.Option || candidate.TrackingOptionID === entry.TrackingOptionID
      )
      if (!category)
        errors.push(
          `The tracking category '${entry.Name ?? entry.TrackingCategoryID}' does not exist.`
        )
      else if (!option)
        errors.push(`The tracking option '${entry.Option}' does not exist in '${category.Name}'.`)
      // TrackingCategory/TrackingOption Status is ACTIVE, ARCHIVED or DELETED (xero_accounting.yaml); the
      // contract does not say what Xero answers for an archived one on a new line: strict, it is refused.
      else if (category.Status !== 'ACTIVE' || option.Status !== 'ACTIVE')
        errors.push(
          `The tracking option '${option.Name}' of '${category.Name}' is archived and cannot be used.`
        )
      return category && option
        ? {
            TrackingCategoryID: category.TrackingCategoryID,
            TrackingOptionID: option.TrackingOptionID,
            Name: category.Name,
            Option: option.Name,
          }
        : null
    })
    return {
      line,
      item,
      accountCode,
      taxType,
      taxRate,
      tracking: tracking.filter(Boolean) as SandboxLineItem['Tracking'],
      unitAmount: line.UnitAmount ?? details.UnitPrice,
    }
  })
  const priced = computeDocument(
    resolved.map((entry) => ({
      quantity: entry.line.Quantity,
      unitAmount: entry.unitAmount,
      lineAmount: entry.line.LineAmount,
      taxRate: entry.taxRate,
      discountRate: entry.line.DiscountRate,
      discountAmount: entry.line.DiscountAmount,
      taxAmount: entry.line.TaxAmount,
    })),
    lineAmountTypes,
    unitdp,
    input.Total,
    { discounts: sales }
  )
  errors.push(...priced.errors)
  return {
    lines: resolved.map((entry, index) => ({
      LineItemID: typeof entry.line.LineItemID === 'string' ? entry.line.LineItemID : randomUUID(),
      Description: entry.line.Description ?? entry.item?.Description,
      Quantity: priced.lines[index].quantity,
      UnitAmount: priced.lines[index].unitAmount,
      ItemCode: entry.item?.Code,
      AccountCode: entry.accountCode,
      TaxType: entry.taxType,
      TaxAmount: priced.lines[index].taxAmount,
      LineAmount: priced.lines[index].lineAmount,
      DiscountRate: priced.lines[index].discountRate,
      DiscountAmount: priced.lines[index].discountAmount,
      Tracking: entry.tracking,
    })),
    subTotal: priced.subTotal,
    totalTax: priced.totalTax,
    total: priced.total,
  }
}

interface ContactResolution {
  contact: SandboxContact | null
  created: SandboxContact | null
}

/** Finds the document's contact by ContactID, ContactNumber or Name; an unknown Name is created, as Xero does. */
export function resolveContact(
  call: AccountingCall,
  input: Json | undefined,
  staged: SandboxContact[],
  errors: string[]
): ContactResolution {
  const { org } = call
  const all = [...org.contacts, ...staged]
  if (!input || typeof input !== 'object') {
    errors.push('A Contact must be specified for this type of transaction')
    return { contact: null, created: null }
  }
  if (input.ContactID) {
    const found = all.find((contact) => contact.ContactID === String(input.ContactID).toLowerCase())
    if (!found) errors.push(`Contact ID ${input.ContactID} could not be found.`)
    return { contact: found ?? null, created: null }
  }
  if (input.ContactNumber) {
    const found = all.find((contact) => contact.ContactNumber === input.ContactNumber)
    if (found) return { contact: found, created: null }
  }
  if (input.Name) {
    const found = all.find(
      (contact) => contact.Name.toLowerCase() === String(input.Name).trim().toLowerCase()
    )
    if (found) return { contact: found, created: null }
    const created = newContact(call, input)
    return { contact: created, created }
  }
  errors.push(
    'The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber'
  )
  return { contact: null, created: null }
}

function newContact(call: AccountingCall, input: Json): SandboxContact {
  return {
    ContactID: randomUUID(),
    ContactNumber: input.ContactNumber || undefined,
    AccountNumber: input.AccountNumber || undefined,
    ContactStatus: 'ACTIVE',
    Name: String(input.Name).trim(),
    FirstName: input.FirstName,
    LastName: input.LastName,
    EmailAddress: input.EmailAddress,
    IsSupplier: false,
    IsCustomer: true,
    Addresses: Array.isArray(input.Addresses) ? input.Addresses : [],
    Phones: Array.isArray(input.Phones) ? input.Phones : [],
    UpdatedDateUTC: call.state.clock.now(),
  }
}

export function contactRef(contact: SandboxContact) {
  return { ContactID: contact.ContactID, Name: contact.Name, ContactNumber: contact.ContactNumber }
}

export function lineAmountTypesOf(
  value: unknown,
  fallback: SandboxLineAmountTypes,
  errors: string[]
): SandboxLineAmountTypes {
  if (value === undefined || value === null) return fallback
  if (value === 'Exclusive' || value === 'Inclusive' || value === 'NoTax') return value
  errors.push(`LineAmountTypes '${value}' is not valid. Use Exclusive, Inclusive or NoTax.`)
  return fallback
}

/** The element echoed back with its errors, as Xero does with summarizeErrors=false. */
export function failedElement(input: Json, errors: string[]) {
  return {
    ...input,
    HasErrors: true,
    StatusAttributeString: 'ERROR',
    ValidationErrors: errors.map((message) => ({ Message: message })),
  }
}

interface BatchOutcome<T> {
  elements: Json[]
  commits: (() => void)[]
  errors: boolean
  records: T[]
}

function batchAnswer<T>(
  call: AccountingCall,
  key: string,
  outcome: BatchOutcome<T>
): SandboxAnswer {
  const summarize = call.query.get('summarizeErrors') !== 'false'
  if (summarize && outcome.errors) {
    return validationException(
      'A validation exception occurred',
      outcome.elements.filter((element) => element.HasErrors)
    )
  }
  for (const commit of outcome.commits) commit()
  return { status: 200, body: envelope(call.state.clock.now(), key, outcome.elements) }
}

function unitdpOf(call: AccountingCall) {
  return Number(call.query.get('unitdp') ?? 2)
}

/**
 * The lines of an invoice or credit note being saved, checked and priced as Xero does: the lines
 * sent (at the request's unitdp), else the stored ones (kept at 4 places); Xero refuses to approve
 * (AUTHORISED, SUBMITTED) a document without a line.
 */
export function priceDocument(
  call: AccountingCall,
  input: Json,
  existing: { LineItems: Json[]; LineAmountTypes: SandboxLineAmountTypes } | undefined,
  status: string,
  sales: boolean,
  errors: string[]
) {
  const lineAmountTypes = lineAmountTypesOf(
    input.LineAmountTypes,
    existing?.LineAmountTypes ?? 'Exclusive',
    errors
  )
  const approving = status === 'AUTHORISED' || status === 'SUBMITTED'
  const source =
    input.LineItems !== undefined
      ? input
      : { LineItems: existing?.LineItems ?? [], Total: input.Total }
  const priced = prepareLines(
    call.org,
    source,
    lineAmountTypes,
    input.LineItems !== undefined ? unitdpOf(call) : 4,
    sales,
    approving,
    errors
  )
  if (approving && priced.lines.length === 0)
    errors.push('The document must have at least one line item before it can be approved.')
  return { lineAmountTypes, priced }
}

// ---------------------------------------------------------------- invoices

function nextInvoiceNumber(org: SandboxOrganisation, taken: Set<string>) {
  let number: string
  do {
    org.invoiceSequence += 1
    number = `INV-${String(org.invoiceSequence).padStart(4, '0')}`
  } while (taken.has(number.toLowerCase()))
  return number
}

function saveInvoices(
  call: AccountingCall,
  inputs: Json[],
  mode: 'create' | 'upsert',
  pathId?: string
): BatchOutcome<SandboxInvoice> {
  const { org, state } = call
  const outcome: BatchOutcome<SandboxInvoice> = {
    elements: [],
    commits: [],
    errors: false,
    records: [],
  }
  const stagedContacts: SandboxContact[] = []
  const numbers = new Set(
    org.invoices
      .filter((inv) => inv.Type === 'ACCREC')
      .map((inv) => inv.InvoiceNumber.toLowerCase())
  )
  const now = state.clock.now()

  for (const input of inputs) {
    const errors: string[] = []
    const id: string | undefined =
      pathId ?? (input.InvoiceID ? String(input.InvoiceID).toLowerCase() : undefined)
    let existing = id ? org.invoices.find((invoice) => invoice.InvoiceID === id) : undefined
    if (id && !existing) {
      outcome.errors = true
      outcome.elements.push(
        failedElement(input, [`Invoice ID ${input.InvoiceID ?? pathId} could not be found.`])
      )
      continue
    }
    // Only a sales invoice's number is unique, so only it names the invoice to update; a bill's number does not
    // ("ACCREC – Unique …" in xero_accounting.yaml, Invoice.InvoiceNumber; bills: pyxero#328). A POST creates a bill.
    if (
      !existing &&
      mode === 'upsert' &&
      input.InvoiceNumber &&
      (input.Type ?? 'ACCREC') === 'ACCREC'
    ) {
      const number = input.InvoiceNumber
      existing = org.invoices.find(
        (invoice) => invoice.Type === 'ACCREC' && invoice.InvoiceNumber === number
      )
    }
    if (existing && !EDITABLE_INVOICE.includes(existing.Status)) {
      outcome.errors = true
      const message =
        existing.Status === 'PAID' || existing.AmountPaid > 0
          ? 'This document cannot be edited as it has a payment or credit note allocated to it.'
          : 'Invoice not of valid status for modification'
      outcome.elements.push(failedElement(input, [message]))
      continue
    }

    const type = (input.Type ?? existing?.Type) as string | undefined
    if (type !== 'ACCREC' && type !== 'ACCPAY') errors.push('Invoice Type must be ACCREC or ACCPAY')
    const status = String(input.Status ?? existing?.Status ?? 'DRAFT')
    // Xero lets you "add or update draft or submitted invoices", "add approved invoices" and "void approved
    // invoices" (https://developer.xero.com/documentation/api/invoices/): an approved one never goes back.
    const allowed = existing
      ? existing.Status === 'AUTHORISED'
        ? ['AUTHORISED', 'VOIDED']
        : ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED']
      : ['DRAFT', 'SUBMITTED', 'AUTHORISED']
    if (!allowed.includes(status)) {
      errors.push(
        existing
          ? `Invoice status cannot be changed from ${existing.Status} to ${status}.`
          : `Invoice status ${status} is not valid for a new invoice.`
      )
    }
    // Xero voids an approved invoice only once no payment or credit note is allocated to it
    // (https://developer.xero.com/documentation/api/accounting/invoices, "Voiding invoices").
    if (
      existing &&
      status === 'VOIDED' &&
      (existing.AmountPaid > 0 || existing.AmountCredited > 0)
    ) {
      errors.push(
        'This document cannot be edited as it has a payment or credit note allocated to it.'
      )
    }
    const contact =
      input.Contact !== undefined || !existing
        ? resolveContact(call, input.Contact, stagedContacts, errors)
        : {
            contact: org.contacts.find((c) => c.ContactID === existing!.Contact.ContactID) ?? null,
            created: null,
          }
    const date = input.Date !== undefined ? parseXeroDate(input.Date) : (existing?.Date ?? now)
    if (date === null) errors.push('The date is not valid.')
    const dueDate =
      input.DueDate !== undefined
        ? parseXeroDate(input.DueDate)
        : (existing?.DueDate ?? (date === null ? null : date + 20 * 86_400_000))
    if (input.DueDate !== undefined && dueDate === null) errors.push('The due date is not valid.')
    const { lineAmountTypes, priced } = priceDocument(
      call,
      input,
      existing,
      status,
      type !== 'ACCPAY',
      errors
    )

    let number: string | undefined = input.InvoiceNumber ?? existing?.InvoiceNumber
    if (type === 'ACCREC' && number && number !== existing?.InvoiceNumber) {
      if (numbers.has(number.toLowerCase())) errors.push('Invoice # must be unique.')
    }
    const rejected = number ? state.rejectedInvoiceNumbers.get(number) : undefined
    if (rejected) errors.push(rejected)
    const currency = currencyError(org, input.CurrencyCode)
    if (currency) errors.push(currency)
    // Strict (Xero documents no message for it): an unknown BrandingThemeID is refused, not ignored.
    if (
      input.BrandingThemeID !== undefined &&
      !org.brandingThemes.some((theme) => theme.BrandingThemeID === input.BrandingThemeID)
    ) {
      errors.push(`Branding theme '${input.BrandingThemeID}' does not exist.`)
    }

    if (errors.length > 0) {
      outcome.errors = true
      outcome.elements.push(failedElement(input, errors))
      continue
    }
    if (!number) number = type === 'ACCREC' ? nextInvoiceNumber(org, numbers) : ''
    if (type === 'ACCREC') numbers.add(number.toLowerCase())
    if (contact.created) stagedContacts.push(contact.created)

    const record: SandboxInvoice = {
      InvoiceID: existing?.InvoiceID ?? randomUUID(),
      Type: type as 'ACCREC' | 'ACCPAY',
      InvoiceNumber: number,
      Reference: input.Reference ?? existing?.Reference,
      Contact: contactRef(contact.contact!),
      Date: date!,
      DueDate: dueDate,
      Status: status,
      LineAmountTypes: lineAmountTypes,
      LineItems: priced.lines,
      SubTotal: priced.subTotal,
      TotalTax: priced.totalTax,
      Total: priced.total,
      AmountDue: ['VOIDED', 'DELETED'].includes(status)
        ? 0
        : money(priced.total - (existing?.AmountPaid ?? 0)),
      AmountPaid: existing?.AmountPaid ?? 0,
      AmountCredited: existing?.AmountCredited ?? 0,
      ...documentCurrency(org, input, existing),
      SentToContact: Boolean(input.SentToContact ?? existing?.SentToContact ?? false),
      BrandingThemeID: input.BrandingThemeID ?? existing?.BrandingThemeID,
      Url: input.Url ?? existing?.Url,
      UpdatedDateUTC: now,
      onlineToken: existing?.onlineToken ?? randomBytes(20).toString('base64url'),
    }
    const created = contact.created
    outcome.commits.push(() => {
      if (created) org.contacts.push(created)
      replaceOrAdd(org.invoices, record, (invoice) => invoice.InvoiceID === record.InvoiceID)
    })
    outcome.records.push(record)
    outcome.elements.push({ ...invoiceJson(record), StatusAttributeString: 'OK' })
  }
  return outcome
}

function invoices(call: AccountingCall): SandboxAnswer {
  const { org, method, segments } = call
  const [, id, sub] = segments
  if (method === 'GET' && !id) {
    const ids = csv(call, 'IDs')?.map((value) => value.toLowerCase())
    const numbers = csv(call, 'InvoiceNumbers')
    const contactIds = csv(call, 'ContactIDs')?.map((value) => value.toLowerCase())
    const statuses = csv(call, 'Statuses')
    const filters: ((record: Json) => boolean)[] = []
    if (ids) filters.push((record) => ids.includes(record.InvoiceID))
    if (numbers) filters.push((record) => numbers.includes(record.InvoiceNumber))
    if (contactIds) filters.push((record) => contactIds.includes(record.Contact.ContactID))
    // "Filter by a comma-separated list Statuses" (the Statuses parameter of GET /Invoices, xero_accounting.yaml).
    if (statuses) filters.push((record) => statuses.includes(record.Status))
    // If-Modified-Since: only documents created or changed after it, by their UpdatedDateUTC ("Only records
    // created or modified since this timestamp will be returned", the contract's ifModifiedSince header).
    const since = call.modifiedSince
    const listed =
      since === null
        ? org.invoices
        : org.invoices.filter((invoice) => invoice.UpdatedDateUTC > since)
    // summaryOnly=true: "a smaller version of the response object … excluding computation-heavy fields"
    // (the summaryOnly parameter, xero_accounting.yaml); Xero names the line items among them ("the
    // response will exclude the computation-heavy LineItems fields from … invoice … data",
    // https://github.com/XeroAPI/Xero-OpenAPI/pull/473). Strict where nothing says more: the lines and
    // the lists of payments, credit notes, prepayments and overpayments are all left out.
    const summary = call.query.get('summaryOnly') === 'true'
    const json = summary
      ? (invoice: SandboxInvoice) => summaryJson(invoiceJson(invoice))
      : invoiceJson
    return listAnswer(call, 'Invoices', listed.map(json), filters)
  }
  const invoice = id
    ? org.invoices.find(
        (candidate) => candidate.InvoiceID === id.toLowerCase() || candidate.InvoiceNumber === id
      )
    : undefined
  if (method === 'GET' && sub?.toLowerCase() === 'onlineinvoice') {
    if (!invoice) return NOT_FOUND
    if (invoice.Type !== 'ACCREC' || ['DRAFT', 'DELETED'].includes(invoice.Status)) {
      return validationException('Online invoices are only available for approved sales invoices.')
    }
    return {
      status: 200,
      body: envelope(call.state.clock.now(), 'OnlineInvoices', [
        { OnlineInvoiceUrl: `${call.publicUrl}/in/${invoice.onlineToken}` },
      ]),
    }
  }
  if (sub) return NOT_FOUND
  if (method === 'GET') {
    if (!invoice) return NOT_FOUND
    return {
      status: 200,
      body: envelope(call.state.clock.now(), 'Invoices', [invoiceJson(invoice)]),
    }
  }
  const inputs = bodyArray(call.body, 'Invoices')
  if (!inputs) return validationException('The request body must contain an Invoices array.')
  if (method === 'PUT' && !id)
    return batchAnswer(call, 'Invoices', saveInvoices(call, inputs, 'create'))
  if (method === 'POST' && !id)
    return batchAnswer(call, 'Invoices', saveInvoices(call, inputs, 'upsert'))
  if (method === 'POST' && id) {
    if (!invoice) return NOT_FOUND
    return batchAnswer(
      call,
      'Invoices',
      saveInvoices(call, inputs.slice(0, 1), 'upsert', invoice.InvoiceID)
    )
  }
  return NOT_FOUND
}

function bodyArray(body: unknown, key: string): Json[] | null {
  if (!body || typeof body !== 'object') return null
  const value = (body as Json)[key]
  return Array.isArray(value) ? value.filter((entry) => entry && typeof entry === 'object') : null
}

// ---------------------------------------------------------------- purchase orders

function savePurchaseOrders(
  call: AccountingCall,
  inputs: Json[],
  pathId?: string
): BatchOutcome<SandboxPurchaseOrder> {
  const { org, state } = call
  const outcome: BatchOutcome<SandboxPurchaseOrder> = {
    elements: [],
    commits: [],
    errors: false,
    records: [],
  }
  const stagedContacts: SandboxContact[] = []
  const numbers = new Set(
    org.purchaseOrders.map((order) => order.PurchaseOrderNumber.toLowerCase())
  )
  const now = state.clock.now()
  for (const input of inputs) {
    const errors: string[] = []
    const id =
      pathId ?? (input.PurchaseOrderID ? String(input.PurchaseOrderID).toLowerCase() : undefined)
    const existing = id
      ? org.purchaseOrders.find((order) => order.PurchaseOrderID === id)
      : undefined
    if (id && !existing) {
      outcome.errors = true
      outcome.elements.push(failedElement(input, [`Purchase order ID ${id} could not be found.`]))
      continue
    }
    if (existing && !EDITABLE_PURCHASE_ORDER.includes(existing.Status)) {
      outcome.errors = true
      outcome.elements.push(
        failedElement(input, [`A purchase order with status ${existing.Status} cannot be edited.`])
      )
      continue
    }
    const status = String(input.Status ?? existing?.Status ?? 'DRAFT')
    if (!['DRAFT', 'SUBMITTED', 'AUTHORISED', 'BILLED', 'DELETED'].includes(status)) {
      errors.push(`Purchase order status ${status} is not valid.`)
    }
    const contact =
      input.Contact !== undefined || !existing
        ? resolveContact(call, input.Contact, stagedContacts, errors)
        : {
            contact: org.contacts.find((c) => c.ContactID === existing.Contact.ContactID) ?? null,
            created: null,
          }
    const date = input.Date !== undefined ? parseXeroDate(input.Date) : (existing?.Date ?? now)
    if (date === null) errors.push('The date is not valid.')
    const deliveryDate =
      input.DeliveryDate !== undefined
        ? parseXeroDate(input.DeliveryDate)
        : (existing?.DeliveryDate ?? null)
    const lineAmountTypes = lineAmountTypesOf(
      input.LineAmountTypes,
      existing?.LineAmountTypes ?? 'Exclusive',
      errors
    )
    const source =
      input.LineItems !== undefined
        ? input
        : { LineItems: existing?.LineItems ?? [], Total: input.Total }
    const priced = prepareLines(
      org,
      source,
      lineAmountTypes,
      4,
      false,
      status === 'AUTHORISED',
      errors
    )
    // Numbers are unique per organisation ("Unique alpha numeric code identifying purchase order",
    // xero_accounting.yaml PurchaseOrder.PurchaseOrderNumber); the message as Xero words it: XeroAPI/Xero-Net#257.
    // Strict where nothing says: case-insensitive, and a deleted order keeps its number.
    const wanted: string | undefined = input.PurchaseOrderNumber
    const renumbered =
      wanted && wanted.toLowerCase() !== existing?.PurchaseOrderNumber.toLowerCase()
    if (renumbered && numbers.has(wanted.toLowerCase())) {
      errors.push('Purchase Order # must be unique.')
    }
    const currency = currencyError(org, input.CurrencyCode)
    if (currency) errors.push(currency)
    if (errors.length > 0) {
      outcome.errors = true
      outcome.elements.push(failedElement(input, errors))
      continue
    }
    if (contact.created) stagedContacts.push(contact.created)
    let number = input.PurchaseOrderNumber ?? existing?.PurchaseOrderNumber
    while (!number) {
      org.purchaseOrderSequence += 1
      const next = `PO-${String(org.purchaseOrderSequence).padStart(4, '0')}`
      if (!numbers.has(next.toLowerCase())) number = next
    }
    numbers.add(number.toLowerCase())
    const record: SandboxPurchaseOrder = {
      PurchaseOrderID: existing?.PurchaseOrderID ?? randomUUID(),
      PurchaseOrderNumber: number,
      Reference: input.Reference ?? existing?.Reference,
      Contact: contactRef(contact.contact!),
      Date: date!,
      DeliveryDate: deliveryDate,
      DeliveryAddress: input.DeliveryAddress ?? existing?.DeliveryAddress,
      AttentionTo: input.AttentionTo ?? existing?.AttentionTo,
      Telephone: input.Telephone ?? existing?.Telephone,
      DeliveryInstructions: input.DeliveryInstructions ?? existing?.DeliveryInstructions,
      Status: status,
      LineAmountTypes: lineAmountTypes,
      LineItems: priced.lines,
      SubTotal: priced.subTotal,
      TotalTax: priced.totalTax,
      Total: priced.total,
      ...documentCurrency(org, input, existing),
      SentToContact: Boolean(input.SentToContact ?? existing?.SentToContact ?? false),
      UpdatedDateUTC: now,
    }
    const created = contact.created
    outcome.commits.push(() => {
      if (created) org.contacts.push(created)
      replaceOrAdd(
        org.purchaseOrders,
        record,
        (order) => order.PurchaseOrderID === record.PurchaseOrderID
      )
    })
    outcome.records.push(record)
    outcome.elements.push({ ...purchaseOrderJson(record), StatusAttributeString: 'OK' })
  }
  return outcome
}

function purchaseOrders(call: AccountingCall): SandboxAnswer {
  const { org, method, segments } = call
  const [, id, sub] = segments
  if (sub) return NOT_FOUND
  if (method === 'GET' && !id) {
    const status = call.query.get('Status')
    return listAnswer(
      call,
      'PurchaseOrders',
      org.purchaseOrders.map(purchaseOrderJson),
      status ? [(record) => record.Status === status] : []
    )
  }
  const order = id
    ? org.purchaseOrders.find(
        (candidate) =>
          candidate.PurchaseOrderID === id.toLowerCase() || candidate.PurchaseOrderNumber === id
      )
    : undefined
  if (method === 'GET') {
    if (!order) return NOT_FOUND
    return {
      status: 200,
      body: envelope(call.state.clock.now(), 'PurchaseOrders', [purchaseOrderJson(order)]),
    }
  }
  const inputs = bodyArray(call.body, 'PurchaseOrders')
  if (!inputs) return validationException('The request body must contain a PurchaseOrders array.')
  if (method === 'PUT' && !id) {
    const fresh = inputs.map((input) => ({ ...input, PurchaseOrderID: undefined }))
    return batchAnswer(call, 'PurchaseOrders', savePurchaseOrders(call, fresh))
  }
  if (method === 'POST' && !id)
    return batchAnswer(call, 'PurchaseOrders', savePurchaseOrders(call, inputs))
  if (method === 'POST' && id) {
    if (!order) return NOT_FOUND
    return batchAnswer(
      call,
      'PurchaseOrders',
      savePurchaseOrders(call, inputs.slice(0, 1), order.PurchaseOrderID)
    )
  }
  return NOT_FOUND
}

// ---------------------------------------------------------------- contacts

function saveContacts(
  call: AccountingCall,
  inputs: Json[],
  mode: 'create' | 'upsert',
  pathId?: string
): BatchOutcome<SandboxContact> {
  const { org, state } = call
  const outcome: BatchOutcome<SandboxContact> = {
    elements: [],
    commits: [],
    errors: false,
    records: [],
  }
  const names = new Map(
    org.contacts.map((contact) => [contact.Name.toLowerCase(), contact.ContactID])
  )
  for (const input of inputs) {
    const errors: string[] = []
    const id =
      pathId ??
      (mode === 'upsert' && input.ContactID ? String(input.ContactID).toLowerCase() : undefined)
    const existing = id ? org.contacts.find((contact) => contact.ContactID === id) : undefined
    if (id && !existing) errors.push(`Contact ID ${id} could not be found.`)
    const name = String(input.Name ?? existing?.Name ?? '').trim()
    if (!name) errors.push('The contact name must be specified.')
    const owner = names.get(name.toLowerCase())
    if (name && owner && owner !== existing?.ContactID) {
      errors.push(
        `The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`
      )
    }
    if (errors.length > 0) {
      outcome.errors = true
      outcome.elements.push(failedElement(input, errors))
      continue
    }
    const record: SandboxContact = {
      ...(existing ?? newContact(call, { ...input, Name: name })),
      ...(input.ContactNumber !== undefined ? { ContactNumber: input.ContactNumber } : {}),
      ...(input.AccountNumber !== undefined ? { AccountNumber: input.AccountNumber } : {}),
      ...(input.EmailAddress !== undefined ? { EmailAddress: input.EmailAddress } : {}),
      ...(input.FirstName !== undefined ? { FirstName: input.FirstName } : {}),
      ...(input.LastName !== undefined ? { LastName: input.LastName } : {}),
      ...(input.IsSupplier !== undefined ? { IsSupplier: Boolean(input.IsSupplier) } : {}),
      ...(existing && Array.isArray(input.Addresses)
        ? { Addresses: mergedByType(existing.Addresses, input.Addresses, 'AddressType') }
        : {}),
      ...(existing && Array.isArray(input.Phones)
        ? { Phones: mergedByType(existing.Phones, input.Phones, 'PhoneType') }
        : {}),
      Name: name,
      UpdatedDateUTC: state.clock.now(),
    }
    names.set(name.toLowerCase(), record.ContactID)
    outcome.commits.push(() => {
      replaceOrAdd(org.contacts, record, (contact) => contact.ContactID === record.ContactID)
    })
    outcome.records.push(record)
    outcome.elements.push({ ...contactJson(record), StatusAttributeString: 'OK' })
  }
  return outcome
}

/**
 * A contact update's Addresses or Phones. The contract (xero_accounting.yaml, Address.AddressType
 * POBOX|STREET, Phone.PhoneType DEFAULT|DDI|MOBILE|FAX, and its Contact examples) has one of each type
 * per contact; it does not say how an update merges them. Strict reading here: an element replaces
 * the contact's one of the same type, the other types stay as they were.
 */
function mergedByType(before: unknown[], given: Json[], key: 'AddressType' | 'PhoneType') {
  const types = new Set(given.map((element) => element[key]))
  return [
    ...(before as Json[]).filter((element) => !types.has(element[key])),
    ...given.map((element) => ({ ...element })),
  ]
}

function contacts(call: AccountingCall): SandboxAnswer {
  const { org, method, segments } = call
  const [, id, sub] = segments
  if (sub) return NOT_FOUND
  if (method === 'GET' && !id) {
    const ids = csv(call, 'IDs')?.map((value) => value.toLowerCase())
    const search = call.query.get('searchTerm')?.toLowerCase()
    const includeArchived = call.query.get('includeArchived') === 'true'
    const filters: ((record: Json) => boolean)[] = [
      (record) => includeArchived || record.ContactStatus !== 'ARCHIVED',
    ]
    if (ids) filters.push((record) => ids.includes(record.ContactID))
    if (search) {
      filters.push((record) =>
        [
          record.Name,
          record.FirstName,
          record.LastName,
          record.ContactNumber,
          record.EmailAddress,
        ].some((value) => typeof value === 'string' && value.toLowerCase().includes(search))
      )
    }
    return listAnswer(call, 'Contacts', org.contacts.map(contactJson), filters)
  }
  const contact = id
    ? org.contacts.find((candidate) =>
        UUID_PATTERN.test(id)
          ? candidate.ContactID === id.toLowerCase()
          : candidate.ContactNumber === id
      )
    : undefined
  if (method === 'GET') {
    if (!contact) return NOT_FOUND
    return {
      status: 200,
      body: envelope(call.state.clock.now(), 'Contacts', [contactJson(contact)]),
    }
  }
  const inputs = bodyArray(call.body, 'Contacts')
  if (!inputs) return validationException('The request body must contain a Contacts array.')
  if (method === 'PUT' && !id)
    return batchAnswer(call, 'Contacts', saveContacts(call, inputs, 'create'))
  if (method === 'POST' && !id)
    return batchAnswer(call, 'Contacts', saveContacts(call, inputs, 'upsert'))
  if (method === 'POST' && id) {
    if (!contact) return NOT_FOUND
    return batchAnswer(
      call,
      'Contacts',
      saveContacts(call, inputs.slice(0, 1), 'upsert', contact.ContactID)
    )
  }
  return NOT_FOUND
}

// ---------------------------------------------------------------- reference data

function organisationJson(call: AccountingCall) {
  const { org } = call
  return {
    OrganisationID: org.tenantId,
    APIKey: '',
    Name: org.name,
    LegalName: `${org.name} Limited`,
    PaysTax: true,
    Version: org.countryCode,
    OrganisationType: 'COMPANY',
    BaseCurrency: org.baseCurrency,
    CountryCode: org.countryCode,
    IsDemoCompany: false,
    OrganisationStatus: 'ACTIVE',
    FinancialYearEndDay: 31,
    FinancialYearEndMonth: 3,
    SalesTaxBasis: 'INVOICE',
    SalesTaxPeriod: 'TWOMONTHS',
    DefaultSalesTax: 'Tax Exclusive',
    DefaultPurchasesTax: 'Tax Exclusive',
    CreatedDateUTC: msDate(Date.UTC(2019, 3, 1)),
    OrganisationEntityType: 'COMPANY',
    Timezone: org.timezone,
    ShortCode: org.shortCode,
    Edition: 'BUSINESS',
    Class: 'PREMIUM',
    LineOfBusiness: 'IT services',
  }
}

/** Routes one authenticated Accounting API call. */
export function handleAccounting(call: AccountingCall): SandboxAnswer {
  const resource = call.segments[0]?.toLowerCase()
  const { org, method } = call
  switch (resource) {
    case 'invoices':
      return invoices(call)
    case 'purchaseorders':
      return purchaseOrders(call)
    case 'contacts':
      return contacts(call)
    case 'payments':
      return handlePayments(call)
    case 'creditnotes':
      return handleCreditNotes(call)
    case 'taxrates':
      if ((method === 'PUT' || method === 'POST') && call.segments.length === 1)
        return saveTaxRates(call)
      if (method !== 'GET' || call.segments.length > 1) return NOT_FOUND
      return listAnswer(
        call,
        'TaxRates',
        org.taxRates.map((rate) => ({ ...rate }))
      )
    case 'currencies':
      if (call.segments.length > 1) return NOT_FOUND
      if (method === 'PUT') return addCurrency(call)
      return method === 'GET' ? listCurrencies(call) : NOT_FOUND
    case 'accounts':
      if (method !== 'GET') return NOT_FOUND
      if (call.segments[1]) {
        const account = org.accounts.find(
          (candidate) => candidate.AccountID === call.segments[1].toLowerCase()
        )
        return account
          ? {
              status: 200,
              body: envelope(call.state.clock.now(), 'Accounts', [withDates(account)]),
            }
          : NOT_FOUND
      }
      return listAnswer(call, 'Accounts', org.accounts.map(withDates))
    case 'items':
      if (method !== 'GET' || call.segments.length > 1) return NOT_FOUND
      return listAnswer(call, 'Items', org.items.map(withDates))
    case 'brandingthemes':
      if (method !== 'GET' || call.segments.length > 1) return NOT_FOUND
      return listAnswer(
        call,
        'BrandingThemes',
        [...org.brandingThemes]
          .sort((a, b) => a.SortOrder - b.SortOrder)
          .map((theme) => ({ ...theme, CreatedDateUTC: msDate(theme.CreatedDateUTC) }))
      )
    case 'trackingcategories':
      if (method !== 'GET' || call.segments.length > 1) return NOT_FOUND
      return listAnswer(
        call,
        'TrackingCategories',
        org.trackingCategories
          .filter(
            (category) =>
              call.query.get('includeArchived') === 'true' || category.Status === 'ACTIVE'
          )
          .map((category) => ({
            ...category,
            Options: category.Options.map((option) => ({ ...option })),
          }))
      )
    case 'organisation':
      if (method !== 'GET' || call.segments.length > 1) return NOT_FOUND
      return {
        status: 200,
        body: envelope(call.state.clock.now(), 'Organisations', [organisationJson(call)]),
      }
    default:
      return NOT_FOUND
  }
}

/** The page behind an online invoice link. */
export function onlineInvoicePage(state: XeroSandboxState, token: string): string | null {
  for (const org of state.organisations) {
    const invoice = org.invoices.find((candidate) => candidate.onlineToken === token)
    if (!invoice) continue
    const rows = invoice.LineItems.map(
      (line) =>
        `<tr><td>${escapeHtml(line.Description ?? '')}</td><td>${line.Quantity}</td><td>${line.UnitAmount}</td><td>${line.LineAmount.toFixed(2)}</td></tr>`
    ).join('')
    return `<!doctype html><html><head><meta charset="utf-8"><title>Invoice ${escapeHtml(invoice.InvoiceNumber)}</title></head><body>
<h1>${escapeHtml(org.name)}: invoice ${escapeHtml(invoice.InvoiceNumber)}</h1><p>To ${escapeHtml(invoice.Contact.Name)} · ${invoice.Status}</p>
<table><tr><th>Description</th><th>Qty</th><th>Unit</th><th>Amount</th></tr>${rows}</table>
<p>Subtotal ${invoice.SubTotal.toFixed(2)} · Tax ${invoice.TotalTax.toFixed(2)} · Total ${invoice.CurrencyCode} ${invoice.Total.toFixed(2)} · Due ${invoice.AmountDue.toFixed(2)}</p></body></html>`
  }
  return null
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/** A saved document replaces its earlier version in the organisation, or joins it. */
function replaceOrAdd<T>(list: T[], record: T, isEarlierVersion: (item: T) => boolean) {
  const index = list.findIndex(isEarlierVersion)
  if (index >= 0) list[index] = record
  else list.push(record)
}
