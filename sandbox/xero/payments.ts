import { randomUUID } from 'node:crypto'
import { envelope, msDate, parseXeroDate } from '#sandbox/xero/format'
import type { AccountingCall, SandboxAnswer } from '#sandbox/xero/accounting'
import type { SandboxInvoice, SandboxOrganisation } from '#sandbox/xero/types'

/*
| Payments against invoices, and the status moves they cause. Sources:
| - the contract (xero_accounting.yaml): PUT /Payments `createPayments` (summarizeErrors), POST
|   /Payments/{PaymentID} `deletePayment` with {Status: DELETED}; Payment.Amount "Must be less than
|   or equal to the outstanding amount owing on the invoice"; Payment.Invoice by InvoiceID or
|   InvoiceNumber, Payment.Account by AccountID or Code; Invoice.FullyPaidOnDate, AmountDue, AmountPaid.
| - Xero's Payments (PUT) page as quoted by https://docs.linx.software/reference/plugins/xero/content/payments/createpayment:
|   "apply payments to approved AR and AP invoices": an invoice must be AUTHORISED to take a payment.
| - The Xero API's PUT /Payments example answer (api-evangelist/xero createPayments example): a part
|   payment leaves the invoice AUTHORISED with AmountPaid and AmountDue moved; paid in full it is PAID.
| Strict, and noted as such: the account must be a BANK account or have EnablePaymentsToAccount (as
| Xero's UI allows), and a payment of 0 or less is refused.
*/

export interface SandboxPayment {
  PaymentID: string
  InvoiceID: string
  AccountID: string
  Date: number
  Amount: number
  Reference?: string
  Status: 'AUTHORISED' | 'DELETED'
  UpdatedDateUTC: number
}

/** Payments per organisation; a reset builds new organisations, so their payments go with them. */
const ledger = new WeakMap<SandboxOrganisation, SandboxPayment[]>()

function paymentsOf(org: SandboxOrganisation): SandboxPayment[] {
  let list = ledger.get(org)
  if (!list) ledger.set(org, (list = []))
  return list
}

const cents = (value: number) => Math.round(value * 100)

/** An invoice's live payments, as GET /Invoices shows them (Invoice.Payments). */
export function invoicePaymentsJson(org: SandboxOrganisation, invoice: SandboxInvoice) {
  return paymentsOf(org)
    .filter((payment) => payment.InvoiceID === invoice.InvoiceID && payment.Status !== 'DELETED')
    .map((payment) => ({
      PaymentID: payment.PaymentID,
      Date: msDate(payment.Date),
      Amount: payment.Amount,
      Reference: payment.Reference ?? '',
      CurrencyRate: 1,
      HasAccount: true,
      HasValidationErrors: false,
    }))
}

function paymentJson(org: SandboxOrganisation, payment: SandboxPayment) {
  const invoice = org.invoices.find((candidate) => candidate.InvoiceID === payment.InvoiceID)
  const account = org.accounts.find((candidate) => candidate.AccountID === payment.AccountID)
  return {
    PaymentID: payment.PaymentID,
    Date: msDate(payment.Date),
    Amount: payment.Amount,
    BankAmount: payment.Amount,
    Reference: payment.Reference ?? '',
    CurrencyRate: 1,
    PaymentType: invoice?.Type === 'ACCPAY' ? 'ACCPAYPAYMENT' : 'ACCRECPAYMENT',
    Status: payment.Status,
    UpdatedDateUTC: msDate(payment.UpdatedDateUTC),
    HasAccount: true,
    IsReconciled: false,
    Account: account
      ? { AccountID: account.AccountID, Code: account.Code, Name: account.Name }
      : {},
    Invoice: invoice
      ? {
          Type: invoice.Type,
          InvoiceID: invoice.InvoiceID,
          InvoiceNumber: invoice.InvoiceNumber,
          Status: invoice.Status,
          AmountDue: invoice.AmountDue,
          AmountPaid: invoice.AmountPaid,
          Contact: { ...invoice.Contact },
          CurrencyCode: invoice.CurrencyCode,
        }
      : {},
    HasValidationErrors: false,
  }
}

/** AmountPaid, AmountDue, Status and FullyPaidOnDate of an invoice from its live payments. */
function settle(org: SandboxOrganisation, invoice: SandboxInvoice, now: number) {
  const live = paymentsOf(org).filter(
    (payment) => payment.InvoiceID === invoice.InvoiceID && payment.Status !== 'DELETED'
  )
  const paidCents = live.reduce((sum, payment) => sum + cents(payment.Amount), 0)
  const dueCents = cents(invoice.Total) - cents(invoice.AmountCredited) - paidCents
  invoice.AmountPaid = paidCents / 100
  invoice.AmountDue = dueCents / 100
  if (dueCents <= 0) {
    invoice.Status = 'PAID'
    invoice.FullyPaidOnDate = Math.max(...live.map((payment) => payment.Date))
  } else {
    if (invoice.Status === 'PAID') invoice.Status = 'AUTHORISED'
    invoice.FullyPaidOnDate = undefined
  }
  invoice.UpdatedDateUTC = now
}

type Json = Record<string, any>

function refused(message: string): SandboxAnswer {
  return {
    status: 400,
    body: { ErrorNumber: 10, Type: 'ValidationException', Message: message, Elements: [] },
  }
}

/** One payment of a PUT: its problems, or what to record. */
function preparePayment(
  org: SandboxOrganisation,
  input: Json,
  pending: Map<string, number>
): { errors: string[]; payment?: SandboxPayment; invoice?: SandboxInvoice } {
  const errors: string[] = []
  const ref = (input.Invoice ?? {}) as Json
  const invoiceId = String(ref.InvoiceID ?? '').toLowerCase()
  const invoiceNumber = ref.InvoiceNumber ?? input.InvoiceNumber
  const invoice = org.invoices.find(
    (candidate) =>
      (invoiceId && candidate.InvoiceID === invoiceId) ||
      (!invoiceId && invoiceNumber && candidate.InvoiceNumber === String(invoiceNumber))
  )
  if (!invoice) errors.push('Invoice could not be found')
  const accountRef = (input.Account ?? {}) as Json
  const account = org.accounts.find(
    (candidate) =>
      (accountRef.AccountID &&
        candidate.AccountID === String(accountRef.AccountID).toLowerCase()) ||
      (!accountRef.AccountID &&
        (accountRef.Code ?? input.Code) &&
        candidate.Code === String(accountRef.Code ?? input.Code))
  )
  if (!account) errors.push('Account could not be found')
  else if (account.Type !== 'BANK' && !account.EnablePaymentsToAccount)
    errors.push(`Payments cannot be made to account ${account.Code}: it is not a bank account.`)
  const date = parseXeroDate(input.Date)
  if (date === null) errors.push('A valid payment Date is required.')
  const amount = Number(input.Amount)
  if (!Number.isFinite(amount) || amount <= 0)
    errors.push('The payment Amount must be more than zero.')
  if (invoice && invoice.Status !== 'AUTHORISED')
    errors.push(
      `Payments can only be made against an approved (AUTHORISED) invoice; this one is ${invoice.Status}.`
    )
  if (invoice && Number.isFinite(amount)) {
    const outstanding = cents(invoice.AmountDue) - (pending.get(invoice.InvoiceID) ?? 0)
    if (cents(amount) > outstanding)
      errors.push('Payment amount exceeds the amount outstanding on this document')
  }
  if (errors.length > 0 || !invoice || !account || date === null) return { errors }
  pending.set(invoice.InvoiceID, (pending.get(invoice.InvoiceID) ?? 0) + cents(amount))
  return {
    errors,
    invoice,
    payment: {
      PaymentID: randomUUID(),
      InvoiceID: invoice.InvoiceID,
      AccountID: account.AccountID,
      Date: date,
      Amount: cents(amount) / 100,
      Reference: input.Reference === undefined ? undefined : String(input.Reference),
      Status: 'AUTHORISED',
      UpdatedDateUTC: 0,
    },
  }
}

/** /Payments: GET (list), PUT (create, batched), POST /Payments/{id} with Status DELETED (remove one). */
export function handlePayments(call: AccountingCall): SandboxAnswer {
  const { org, method, segments, state } = call
  const now = state.clock.now()
  const id = segments[1]?.toLowerCase()
  if (method === 'GET' && !id)
    return {
      status: 200,
      body: envelope(
        now,
        'Payments',
        paymentsOf(org).map((payment) => paymentJson(org, payment))
      ),
    }
  const body = (call.body ?? {}) as Json
  if (method === 'POST' && id) {
    const payment = paymentsOf(org).find((candidate) => candidate.PaymentID === id)
    if (!payment) return { status: 404, body: "The resource you're looking for cannot be found" }
    const input = (Array.isArray(body.Payments) ? body.Payments[0] : body) ?? {}
    if (String(input.Status ?? '').toUpperCase() !== 'DELETED')
      return refused('A payment can only be changed to the DELETED status.')
    payment.Status = 'DELETED'
    payment.UpdatedDateUTC = now
    const invoice = org.invoices.find((candidate) => candidate.InvoiceID === payment.InvoiceID)
    if (invoice) settle(org, invoice, now)
    return { status: 200, body: envelope(now, 'Payments', [paymentJson(org, payment)]) }
  }
  if ((method === 'PUT' || method === 'POST') && !id) {
    const inputs = Array.isArray(body.Payments) ? (body.Payments as Json[]) : null
    if (!inputs) return refused('The request body must contain a Payments array.')
    const pending = new Map<string, number>()
    const prepared = inputs.map((input) => preparePayment(org, input, pending))
    const failed = prepared.some((entry) => entry.errors.length > 0)
    const summarize = call.query.get('summarizeErrors') !== 'false'
    const elementOf = (entry: (typeof prepared)[number], input: Json) =>
      entry.payment
        ? paymentJson(org, entry.payment)
        : {
            ...input,
            HasValidationErrors: true,
            StatusAttributeString: 'ERROR',
            ValidationErrors: entry.errors.map((message) => ({ Message: message })),
          }
    if (summarize && failed)
      return {
        status: 400,
        body: {
          ErrorNumber: 10,
          Type: 'ValidationException',
          Message: 'A validation exception occurred',
          Elements: prepared
            .map((entry, index) => ({ entry, input: inputs[index] }))
            .filter(({ entry }) => entry.errors.length > 0)
            .map(({ entry, input }) => elementOf(entry, input)),
        },
      }
    for (const entry of prepared) {
      if (!entry.payment || !entry.invoice) continue
      entry.payment.UpdatedDateUTC = now
      paymentsOf(org).push(entry.payment)
      settle(org, entry.invoice, now)
    }
    return {
      status: 200,
      body: envelope(
        now,
        'Payments',
        prepared.map((entry, index) => elementOf(entry, inputs[index]))
      ),
    }
  }
  return { status: 404, body: "The resource you're looking for cannot be found" }
}
