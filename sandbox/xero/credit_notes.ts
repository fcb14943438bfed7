import { randomUUID } from 'node:crypto'
import { dateString, envelope, msDate, parseXeroDate } from '#sandbox/xero/format'
import { currencyError, documentCurrency } from '#sandbox/xero/currencies'
import {
  contactRef,
  failedElement,
  listAnswer,
  priceDocument,
  resolveContact,
  type AccountingCall,
  type SandboxAnswer,
} from '#sandbox/xero/accounting'
import type {
  SandboxContact,
  SandboxInvoice,
  SandboxLineAmountTypes,
  SandboxLineItem,
  SandboxOrganisation,
} from '#sandbox/xero/types'

/*
| Credit notes: create, update, numbering, status rules and allocations to invoices. Sources:
| - the contract (xero_accounting.yaml): PUT /CreditNotes `createCreditNotes` and POST
|   `updateOrCreateCreditNotes` (summarizeErrors, unitdp, Idempotency-Key), GET /CreditNotes (where, page),
|   GET /CreditNotes/{CreditNoteID}, PUT /CreditNotes/{CreditNoteID}/Allocations
|   `createCreditNoteAllocation`; CreditNote.Type ACCRECCREDIT / ACCPAYCREDIT, CreditNoteNumber,
|   RemainingCredit, Allocations; Allocation.Amount, Date, Invoice.
| - Xero's Credit Notes page (https://developer.xero.com/documentation/api/accounting/creditnotes), as for
|   invoices: drafts and submitted ones can be edited or deleted; an approved one can be voided, not
|   deleted; one with allocations cannot be changed; an allocation needs an approved credit note and an
|   approved invoice of the same contact and currency, for no more than the credit left or the amount due.
| Strict, and noted as such: ACCRECCREDIT numbers are CN-0001, … when none is given, and unique.
*/

export interface SandboxCreditNote {
  CreditNoteID: string
  Type: 'ACCRECCREDIT' | 'ACCPAYCREDIT'
  CreditNoteNumber: string
  Reference?: string
  Contact: { ContactID: string; Name: string; ContactNumber?: string }
  Date: number
  Status: string
  LineAmountTypes: SandboxLineAmountTypes
  LineItems: SandboxLineItem[]
  SubTotal: number
  TotalTax: number
  Total: number
  RemainingCredit: number
  /** set when the credit is used up (the contract's CreditNote.FullyPaidOnDate) */
  FullyPaidOnDate?: number
  CurrencyCode: string
  Url?: string
  UpdatedDateUTC: number
  Allocations: { AllocationID: string; InvoiceID: string; Amount: number; Date: number }[]
}

interface Book {
  creditNotes: SandboxCreditNote[]
  sequence: number
}

/** Credit notes per organisation; a reset builds new organisations, so theirs go with them. */
const books = new WeakMap<SandboxOrganisation, Book>()

/** The credit notes of an organisation (tests read them like the invoices). */
export function creditNotesOf(org: SandboxOrganisation): SandboxCreditNote[] {
  return bookOf(org).creditNotes
}

function bookOf(org: SandboxOrganisation): Book {
  let book = books.get(org)
  if (!book) books.set(org, (book = { creditNotes: [], sequence: 0 }))
  return book
}

const EDITABLE = ['DRAFT', 'SUBMITTED', 'AUTHORISED']
const cents = (value: number) => Math.round(value * 100)
type Json = Record<string, any>

function creditNoteJson(note: SandboxCreditNote) {
  return {
    Type: note.Type,
    CreditNoteID: note.CreditNoteID,
    CreditNoteNumber: note.CreditNoteNumber,
    Reference: note.Reference ?? '',
    Contact: { ...note.Contact },
    DateString: dateString(note.Date),
    Date: msDate(note.Date),
    Status: note.Status,
    LineAmountTypes: note.LineAmountTypes,
    LineItems: note.LineItems.map((line) => ({ ...line, Tracking: [...line.Tracking] })),
    SubTotal: note.SubTotal,
    TotalTax: note.TotalTax,
    Total: note.Total,
    RemainingCredit: note.RemainingCredit,
    ...(note.FullyPaidOnDate === undefined
      ? {}
      : { FullyPaidOnDate: msDate(note.FullyPaidOnDate) }),
    CurrencyCode: note.CurrencyCode,
    CurrencyRate: 1,
    UpdatedDateUTC: msDate(note.UpdatedDateUTC),
    Allocations: note.Allocations.map((allocation) => ({
      AllocationID: allocation.AllocationID,
      Amount: allocation.Amount,
      Date: msDate(allocation.Date),
      Invoice: { InvoiceID: allocation.InvoiceID },
    })),
    HasErrors: false,
  }
}

function refused(message: string, elements: unknown[] = []): SandboxAnswer {
  return {
    status: 400,
    body: { ErrorNumber: 10, Type: 'ValidationException', Message: message, Elements: elements },
  }
}

/** PUT creates; POST creates or updates (by CreditNoteID, or the ACCRECCREDIT number). */
function saveCreditNotes(call: AccountingCall, inputs: Json[], mode: 'create' | 'upsert') {
  const { org, state } = call
  const book = bookOf(org)
  const now = state.clock.now()
  const staged: SandboxContact[] = []
  const taken = new Set(book.creditNotes.map((note) => note.CreditNoteNumber.toLowerCase()))
  const elements: Json[] = []
  const commits: (() => void)[] = []
  let failed = false
  for (const input of inputs) {
    const errors: string[] = []
    let existing: SandboxCreditNote | undefined
    if (input.CreditNoteID) {
      existing = book.creditNotes.find(
        (note) => note.CreditNoteID === String(input.CreditNoteID).toLowerCase()
      )
      if (!existing || mode === 'create') {
        failed = true
        elements.push(failedElement(input, ['Credit note could not be found.']))
        continue
      }
    } else if (mode === 'upsert' && input.CreditNoteNumber) {
      existing = book.creditNotes.find(
        (note) => note.Type === 'ACCRECCREDIT' && note.CreditNoteNumber === input.CreditNoteNumber
      )
    }
    if (existing && (!EDITABLE.includes(existing.Status) || existing.Allocations.length > 0)) {
      failed = true
      elements.push(
        failedElement(input, [
          existing.Allocations.length > 0
            ? 'This document cannot be edited as it has allocations.'
            : 'Credit note not of valid status for modification',
        ])
      )
      continue
    }
    const type = String(input.Type ?? existing?.Type ?? '')
    if (type !== 'ACCRECCREDIT' && type !== 'ACCPAYCREDIT')
      errors.push('Credit note Type must be ACCRECCREDIT or ACCPAYCREDIT')
    const status = String(input.Status ?? existing?.Status ?? 'DRAFT')
    const allowed = existing
      ? existing.Status === 'AUTHORISED'
        ? ['AUTHORISED', 'VOIDED']
        : ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED']
      : ['DRAFT', 'SUBMITTED', 'AUTHORISED']
    if (!allowed.includes(status))
      errors.push(
        existing
          ? `Credit note status cannot be changed from ${existing.Status} to ${status}.`
          : `Credit note status ${status} is not valid for a new credit note.`
      )
    const contact =
      input.Contact !== undefined || !existing
        ? resolveContact(call, input.Contact, staged, errors)
        : {
            contact: org.contacts.find((c) => c.ContactID === existing!.Contact.ContactID) ?? null,
            created: null,
          }
    const date = input.Date !== undefined ? parseXeroDate(input.Date) : (existing?.Date ?? now)
    if (date === null) errors.push('The date is not valid.')
    const { lineAmountTypes, priced } = priceDocument(
      call,
      input,
      existing,
      status,
      type !== 'ACCPAYCREDIT',
      errors
    )
    let number: string | undefined = input.CreditNoteNumber ?? existing?.CreditNoteNumber
    if (type === 'ACCRECCREDIT' && number && number !== existing?.CreditNoteNumber) {
      if (taken.has(number.toLowerCase())) errors.push('Credit Note # must be unique.')
    }
    const currency = currencyError(org, input.CurrencyCode)
    if (currency) errors.push(currency)
    if (errors.length > 0) {
      failed = true
      elements.push(failedElement(input, errors))
      continue
    }
    if (!number && type === 'ACCRECCREDIT') {
      do {
        book.sequence += 1
        number = `CN-${String(book.sequence).padStart(4, '0')}`
      } while (taken.has(number.toLowerCase()))
    }
    if (number) taken.add(number.toLowerCase())
    if (contact.created) staged.push(contact.created)
    const note: SandboxCreditNote = {
      CreditNoteID: existing?.CreditNoteID ?? randomUUID(),
      Type: type as SandboxCreditNote['Type'],
      CreditNoteNumber: number ?? '',
      Reference: input.Reference ?? existing?.Reference,
      Contact: contactRef(contact.contact!),
      Date: date!,
      Status: status,
      LineAmountTypes: lineAmountTypes,
      LineItems: priced.lines,
      SubTotal: priced.subTotal,
      TotalTax: priced.totalTax,
      Total: priced.total,
      RemainingCredit: ['VOIDED', 'DELETED'].includes(status) ? 0 : priced.total,
      CurrencyCode: documentCurrency(org, input, existing).CurrencyCode,
      Url: input.Url ?? existing?.Url,
      UpdatedDateUTC: now,
      Allocations: [],
    }
    const created = contact.created
    commits.push(() => {
      if (created) org.contacts.push(created)
      const index = book.creditNotes.findIndex((entry) => entry.CreditNoteID === note.CreditNoteID)
      if (index >= 0) book.creditNotes[index] = note
      else book.creditNotes.push(note)
    })
    elements.push({ ...creditNoteJson(note), StatusAttributeString: 'OK' })
  }
  const summarize = call.query.get('summarizeErrors') !== 'false'
  if (summarize && failed)
    return refused(
      'A validation exception occurred',
      elements.filter((element) => element.HasErrors)
    )
  for (const commit of commits) commit()
  return { status: 200, body: envelope(now, 'CreditNotes', elements) }
}

/** PUT /CreditNotes/{id}/Allocations: credit applied to invoices, all or nothing. */
function allocate(call: AccountingCall, note: SandboxCreditNote): SandboxAnswer {
  const { org, state } = call
  const now = state.clock.now()
  const inputs = Array.isArray((call.body as Json)?.Allocations)
    ? ((call.body as Json).Allocations as Json[])
    : null
  if (!inputs) return refused('The request body must contain an Allocations array.')
  const errors: string[] = []
  if (note.Status !== 'AUTHORISED')
    errors.push(
      `Credit note ${note.CreditNoteNumber} must be approved (AUTHORISED) to allocate it.`
    )
  let left = cents(note.RemainingCredit)
  const planned: { invoice: SandboxInvoice; amount: number; date: number }[] = []
  for (const input of inputs) {
    const invoiceId = String(input.Invoice?.InvoiceID ?? '').toLowerCase()
    const invoice = org.invoices.find((candidate) => candidate.InvoiceID === invoiceId)
    const amount = cents(Number(input.Amount))
    const date = input.Date === undefined ? now : parseXeroDate(input.Date)
    if (!invoice) {
      errors.push('Invoice could not be found')
      continue
    }
    if (invoice.Status !== 'AUTHORISED')
      errors.push(`Invoice ${invoice.InvoiceNumber} must be approved (AUTHORISED) to take credit.`)
    if (invoice.Contact.ContactID !== note.Contact.ContactID)
      errors.push('The credit note and the invoice must be for the same contact.')
    if (invoice.CurrencyCode !== note.CurrencyCode)
      errors.push('The credit note and the invoice must be in the same currency.')
    if (!Number.isFinite(amount) || amount <= 0)
      errors.push('The allocation Amount must be more than zero.')
    if (amount > left)
      errors.push('The amount allocated is more than the credit left on the credit note.')
    if (amount > cents(invoice.AmountDue))
      errors.push('The amount allocated is more than the amount due on the invoice.')
    if (date === null) errors.push('The allocation date is not valid.')
    left -= amount
    planned.push({ invoice, amount, date: date ?? now })
  }
  if (errors.length > 0)
    return refused('A validation exception occurred', [
      { ValidationErrors: errors.map((Message) => ({ Message })) },
    ])
  const made = planned.map(({ invoice, amount, date }) => {
    const allocation = {
      AllocationID: randomUUID(),
      InvoiceID: invoice.InvoiceID,
      Amount: amount / 100,
      Date: date,
    }
    note.Allocations.push(allocation)
    invoice.AmountCredited = (cents(invoice.AmountCredited) + amount) / 100
    invoice.AmountDue = (cents(invoice.AmountDue) - amount) / 100
    if (cents(invoice.AmountDue) <= 0) {
      invoice.Status = 'PAID'
      invoice.FullyPaidOnDate = date
    }
    invoice.UpdatedDateUTC = now
    return allocation
  })
  note.RemainingCredit = left / 100
  if (left <= 0) {
    // Like an invoice paid in full: PAID, with the date of the allocation that used the credit up.
    note.Status = 'PAID'
    note.FullyPaidOnDate = planned[planned.length - 1]?.date ?? now
  }
  note.UpdatedDateUTC = now
  return {
    status: 200,
    body: envelope(
      now,
      'Allocations',
      made.map((allocation) => ({
        AllocationID: allocation.AllocationID,
        Amount: allocation.Amount,
        Date: msDate(allocation.Date),
        Invoice: { InvoiceID: allocation.InvoiceID },
        CreditNote: { CreditNoteID: note.CreditNoteID, RemainingCredit: note.RemainingCredit },
      }))
    ),
  }
}

/** /CreditNotes routes. */
export function handleCreditNotes(call: AccountingCall): SandboxAnswer {
  const { org, method, segments } = call
  const book = bookOf(org)
  const [, id, sub] = segments
  const note = id
    ? book.creditNotes.find(
        (candidate) =>
          candidate.CreditNoteID === id.toLowerCase() || candidate.CreditNoteNumber === id
      )
    : undefined
  if (id && !note) return { status: 404, body: "The resource you're looking for cannot be found" }
  if (note && sub?.toLowerCase() === 'allocations' && method === 'PUT') return allocate(call, note)
  if (sub) return { status: 404, body: "The resource you're looking for cannot be found" }
  if (method === 'GET') {
    const since = call.modifiedSince
    const listed = (note ? [note] : book.creditNotes).filter(
      (entry) => since === null || entry.UpdatedDateUTC > since
    )
    return listAnswer(call, 'CreditNotes', listed.map(creditNoteJson))
  }
  const inputs = Array.isArray((call.body as Json)?.CreditNotes)
    ? ((call.body as Json).CreditNotes as Json[])
    : null
  if (!inputs) return refused('The request body must contain a CreditNotes array.')
  if (method === 'PUT' && !id) return saveCreditNotes(call, inputs, 'create')
  if (method === 'POST' && !id) return saveCreditNotes(call, inputs, 'upsert')
  if (method === 'POST' && note)
    return saveCreditNotes(call, [{ ...inputs[0], CreditNoteID: note.CreditNoteID }], 'upsert')
  return { status: 404, body: "The resource you're looking for cannot be found" }
}
