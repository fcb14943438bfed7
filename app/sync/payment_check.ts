import { inject } from '@adonisjs/core'
import { Decimal } from 'decimal.js'
import { DateTime } from 'luxon'
import InvoiceRecord, { type InvoicePaymentState } from '#models/invoice_record'
import type Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import {
  XERO_INVOICE_IDS_PER_CALL,
  XERO_MAX_PAGE_SIZE,
  type XeroCreditNote,
  type XeroGateway,
  type XeroInvoice,
} from '#integrations/xero/xero_gateway'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import { AutotaskThrottledError } from '#integrations/autotask/errors'
import { XeroRateLimitError } from '#integrations/xero/errors'
import SyncLogService, { type LogLineInput } from '#services/sync_log_service'
import { Clock } from '#sync/clock'

/** Margin on the last check's time, for this machine's clock and Xero's not agreeing. */
const CLOCK_SKEW_MINUTES = 10

/** The Xero statuses in which a payment can change what an invoice owes (payments apply only to approved invoices). */
const PAYABLE_STATUSES = ['AUTHORISED', 'PAID'] as const

/** Paid in Xero, but writing the date to Autotask failed: asked again at every check until it is written. */
export const PAID_NOT_WRITTEN: InvoicePaymentState = 'paid_unsent'

export interface PaymentCheckOutcome {
  /** linked invoices whose payment state was asked of Xero */
  checked: number
  /** linked invoices Xero answered for (changed since the last check) */
  changed: number
  /** paid dates written to Autotask */
  paid: number
  partPaid: number
  /** paid in Xero but not written to Autotask this time (kept for the next check) */
  unwritten: number
  autotaskCalls: number
}

interface Linked {
  id: number
  autotaskId: number
  invoiceNumber: string | null
  xeroInvoiceId: string
  /** linked to a Xero credit note (a negative invoice), not an invoice */
  creditNote: boolean
  paymentState: string | null
  xeroAmountDue: string | null
  /** when our create made its Xero document (Xero's time); null when not known to be ours */
  xeroCreatedAt: DateTime | null
  /** linked (or pushed again) since the last check, or paid but not written: asked whatever its change date */
  fresh: boolean
}

/** What Xero answered for one linked document, the same for an invoice and a credit note. */
interface Answer {
  id: string
  /** "Xero invoice INV-1", "Xero credit note CN-1" */
  name: string
  status: string
  /** still owed on an invoice; credit left on a credit note */
  due: Decimal
  /** paid on an invoice; allocated or refunded from a credit note */
  paid: Decimal
  fullyPaidOnDate: string | null
}

function invoiceAnswer(invoice: XeroInvoice): Answer | null {
  if (invoice.type !== 'ACCREC') return null
  return {
    id: invoice.invoiceId,
    name: `Xero invoice ${invoice.invoiceNumber ?? invoice.invoiceId}`,
    status: invoice.status,
    due: new Decimal(invoice.amountDue),
    paid: new Decimal(invoice.amountPaid),
    fullyPaidOnDate: invoice.fullyPaidOnDate ?? null,
  }
}

/** The answers of these invoices (sales invoices only). */
function invoiceAnswers(invoices: XeroInvoice[]): Answer[] {
  return invoices.map(invoiceAnswer).filter((answer): answer is Answer => answer !== null)
}

/** A credit note's credit, used up by allocations and refunds, is its "payment" (contract: RemainingCredit). */
function creditNoteAnswer(note: XeroCreditNote): Answer {
  return {
    id: note.creditNoteId,
    name: `Xero credit note ${note.creditNoteNumber ?? note.creditNoteId}`,
    status: note.status,
    due: new Decimal(note.remainingCredit),
    paid: new Decimal(note.total).minus(note.remainingCredit),
    fullyPaidOnDate: note.fullyPaidOnDate ?? null,
  }
}

/**
 * Payments recorded in Xero flow back to Autotask: a linked invoice Xero calls fully paid (AmountDue 0)
 * gets its paidDate written on the Autotask invoice (one PATCH each); a part-paid one is shown as
 * "Part paid" with what is still due, and nothing is written to Autotask until it is paid in full.
 * Xero is asked only what changed since the last check: the organisation's approved sales invoices
 * changed since then, 1,000 a page (the scan), matched to ours here; by ids (100 a call) only those a
 * scan cannot vouch for (found in Xero and linked since, whose payment may be older), or all of them
 * when the scan would take more calls than the ids.
 * A negative invoice's credit note counts as paid once its credit is used up (PAID, RemainingCredit 0:
 * allocated to invoices or refunded): Autotask's paidDate is what closes an invoice there, negative
 * ones included, so the credit stops showing as open in Autotask the day Xero settled it.
 */
@inject()
export default class PaymentCheck {
  constructor(
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  /** For the sync run: a failure is logged on the product and left for the next run, never stopping it. */
  async runInSync(
    product: Product,
    autotask: AutotaskClient,
    xero: XeroGateway,
    syncRunId: number
  ): Promise<PaymentCheckOutcome | null> {
    try {
      return await this.run(product, autotask, xero, { syncRunId })
    } catch (failure) {
      if (failure instanceof XeroRateLimitError) throw failure // the run waits for it (SyncRunner)
      await this.logs.write({
        productId: product.id,
        syncRunId,
        level: 'warn',
        event: 'run.payments_unchecked',
        message: `Payments in Xero were not checked this time (the next run will): ${
          (failure as Error)?.message ?? failure
        }`,
        actor: 'engine',
      })
      return null
    }
  }

  async run(
    product: Product,
    autotask: AutotaskClient,
    xero: XeroGateway,
    options: { syncRunId?: number } = {}
  ): Promise<PaymentCheckOutcome | null> {
    if (!product.effectiveSettings.paymentsToAutotask) return null
    const syncRunId = options.syncRunId ?? null
    const startedAt = this.clock.now()
    const lastCheck = product.paymentsCheckedAt
    const since = lastCheck?.minus({ minutes: CLOCK_SKEW_MINUTES }) ?? null

    const linked = await this.linkedUnpaid(product, since)
    const connection = xeroConnectionOf(product)
    const answers = new Map<string, Answer>()
    const add = (list: Answer[]) => {
      for (const answer of list) answers.set(answer.id.toLowerCase(), answer)
    }
    // Invoices: a scan of what changed covers those we created since `since` (a payment on one changes
    // it after its creation) and those linked before the last check (a payment since changes it). One
    // found in Xero and linked since may have been paid long before: asked by id, whatever its date.
    // Credit notes, as before: those linked since the last check whatever their change date, the others
    // only if changed since.
    const scanned: Linked[] = []
    const byId: Linked[] = []
    const freshNotes: Linked[] = []
    const knownNotes: Linked[] = []
    for (const record of linked) {
      if (record.creditNote) (since && !record.fresh ? knownNotes : freshNotes).push(record)
      else (this.scanCovers(record, since) ? scanned : byId).push(record)
    }
    add(await this.askInvoices(xero, connection, byId, null))
    add(await this.scan(xero, connection, scanned, since))
    add(await this.askCreditNotes(xero, connection, freshNotes, null))
    add(await this.askCreditNotes(xero, connection, knownNotes, since))

    const byXeroId = new Map(linked.map((record) => [record.xeroInvoiceId.toLowerCase(), record]))
    const outcome: PaymentCheckOutcome = {
      checked: linked.length,
      changed: answers.size,
      paid: 0,
      partPaid: 0,
      unwritten: 0,
      autotaskCalls: 0,
    }
    const lines: LogLineInput[] = []
    const line = (record: Linked, level: 'info' | 'warn' | 'error', event: string, text: string) =>
      lines.push({
        productId: product.id,
        syncRunId,
        invoiceRecordId: record.id,
        autotaskId: record.autotaskId,
        level,
        event,
        message: `Invoice ${record.invoiceNumber ?? record.autotaskId}: ${text}`,
        actor: 'engine',
      })

    let throttled: string | null = null
    for (const answer of answers.values()) {
      const record = byXeroId.get(answer.id.toLowerCase())
      if (!record) continue
      const { due, paid } = answer
      const xeroName = answer.name

      if (due.isZero() && answer.status === 'PAID') {
        const paidDate = answer.fullyPaidOnDate ?? startedAt.toISODate()!
        if (throttled) {
          await this.save(record, PAID_NOT_WRITTEN, due)
          outcome.unwritten++
          continue
        }
        try {
          outcome.autotaskCalls++
          await autotask.setInvoicePaidDate(record.autotaskId, paidDate)
          await this.save(record, 'paid', due, paidDate)
          outcome.paid++
          line(
            record,
            'info',
            'invoice.paid',
            record.creditNote
              ? `${xeroName} is used up (allocated or refunded); paid date ${paidDate} written to the Autotask invoice.`
              : `${xeroName} is paid in full; paid date ${paidDate} written to the Autotask invoice.`
          )
        } catch (failure) {
          const reason = (failure as Error)?.message ?? String(failure)
          if (failure instanceof AutotaskThrottledError) throttled = reason
          await this.save(record, PAID_NOT_WRITTEN, due)
          outcome.unwritten++
          line(
            record,
            'error',
            'invoice.paid_not_written',
            `${xeroName} is paid in full, but Autotask refused its paid date ${paidDate}: ${reason} It is tried again at the next sync.`
          )
        }
      } else if (paid.greaterThan(0) && due.greaterThan(0)) {
        outcome.partPaid++
        if (record.paymentState === 'part_paid' && due.equals(record.xeroAmountDue ?? -1)) continue
        await this.save(record, 'part_paid', due)
        line(
          record,
          'info',
          'invoice.part_paid',
          record.creditNote
            ? `${xeroName} is part allocated: ${paid.toFixed(2)} used, ${due.toFixed(2)} of credit left. Nothing is written to Autotask until all of it is used.`
            : `${xeroName} is part paid: ${paid.toFixed(2)} received, ${due.toFixed(2)} still due. Nothing is written to Autotask until it is paid in full.`
        )
      } else if (record.paymentState !== null) {
        // A payment removed in Xero: the invoice owes its whole amount again.
        await this.save(record, null, due)
        line(
          record,
          'warn',
          'invoice.payment_removed',
          `${xeroName} has no payment any more (${due.toFixed(2)} due).`
        )
      }
    }
    if (throttled)
      lines.push({
        productId: product.id,
        syncRunId,
        level: 'warn',
        event: 'run.payments_deferred',
        message: `Autotask's hourly request budget is spent: ${outcome.unwritten} paid date(s) wait for the next sync (${throttled})`,
        actor: 'engine',
      })

    await this.logs.writeMany(lines)
    product.paymentsCheckedAt = startedAt
    await product.save()
    return outcome
  }

  /**
   * Whether a scan from `since` sees any payment on this invoice: we created it then or later (its
   * UpdatedDateUTC is at least its creation, by Xero's own clock), or it was linked before the last
   * check (so a payment Xero has and we do not is after it). With no check before, all we created.
   */
  private scanCovers(record: Linked, since: DateTime | null) {
    if (record.paymentState === PAID_NOT_WRITTEN) return false
    if (record.xeroCreatedAt && (!since || record.xeroCreatedAt >= since)) return true
    return since !== null && !record.fresh
  }

  /**
   * The approved sales invoices changed since `since` (the first check: since the first we created),
   * page by page, each page cut to the answers for `records` before the next is read. Page 1 tells how
   * many pages there are: when that is more calls than asking for `records` by id (100 a call), they are
   * asked by id instead, so a check costs at most one call more than asking by id, and usually one.
   */
  private async scan(
    xero: XeroGateway,
    connection: ReturnType<typeof xeroConnectionOf>,
    records: Linked[],
    since: DateTime | null
  ): Promise<Answer[]> {
    if (records.length === 0) return []
    const from =
      since ??
      records
        .map((record) => record.xeroCreatedAt!)
        .reduce((first, at) => (at < first ? at : first))
        .minus({ minutes: CLOCK_SKEW_MINUTES })
    const ours = new Set(records.map((record) => record.xeroInvoiceId.toLowerCase()))
    const idCalls = Math.ceil(records.length / XERO_INVOICE_IDS_PER_CALL)
    const answers: Answer[] = []
    for (let page = 1; ; page++) {
      const { invoices, pageCount } = await xero.salesInvoicesChangedSince(
        connection,
        [...PAYABLE_STATUSES],
        from.toJSDate(),
        page,
        XERO_MAX_PAGE_SIZE
      )
      if (page === 1 && pageCount !== null && pageCount > idCalls)
        return this.askInvoices(xero, connection, records, from)
      answers.push(
        ...invoiceAnswers(invoices.filter((invoice) => ours.has(invoice.invoiceId.toLowerCase())))
      )
      const last = pageCount !== null ? page >= pageCount : invoices.length < XERO_MAX_PAGE_SIZE
      if (last) return answers
    }
  }

  /** One GET /Invoices per 100 ids, only those changed since `since` when given; nothing when none. */
  private async askInvoices(
    xero: XeroGateway,
    connection: ReturnType<typeof xeroConnectionOf>,
    records: Linked[],
    since: DateTime | null
  ): Promise<Answer[]> {
    if (records.length === 0) return []
    return invoiceAnswers(
      await xero.invoicesChangedAmong(
        connection,
        records.map((record) => record.xeroInvoiceId),
        [...PAYABLE_STATUSES],
        since?.toJSDate() ?? null
      )
    )
  }

  /** One GET /CreditNotes per 40 ids, only those changed since `since` when given; nothing when none. */
  private async askCreditNotes(
    xero: XeroGateway,
    connection: ReturnType<typeof xeroConnectionOf>,
    records: Linked[],
    since: DateTime | null
  ): Promise<Answer[]> {
    if (records.length === 0) return []
    const notes = await xero.creditNotesAmong(
      connection,
      records.map((record) => record.xeroInvoiceId),
      { statuses: [...PAYABLE_STATUSES], since: since?.toJSDate() ?? null }
    )
    return notes.map(creditNoteAnswer)
  }

  /** This product's invoices linked to a Xero invoice whose full payment Autotask does not know yet. */
  private async linkedUnpaid(product: Product, since: DateTime | null): Promise<Linked[]> {
    const rows = await InvoiceRecord.query()
      .where('product_id', product.id)
      .whereNotNull('xero_invoice_id')
      .whereNull('void_state')
      .where((query) => query.whereNull('payment_state').orWhereNot('payment_state', 'paid'))
      .select(
        'id',
        'autotask_id',
        'invoice_number',
        'xero_invoice_id',
        'xero_type',
        'payment_state',
        'xero_amount_due',
        'xero_created_at',
        'synced_at'
      )
    return rows.map((row) => ({
      id: row.id,
      autotaskId: Number(row.autotaskId),
      invoiceNumber: row.invoiceNumber,
      xeroInvoiceId: row.xeroInvoiceId!,
      creditNote: row.xeroType === 'ACCRECCREDIT',
      paymentState: row.paymentState,
      xeroAmountDue: row.xeroAmountDue?.toFixed(4) ?? null,
      xeroCreatedAt: row.xeroCreatedAt,
      fresh:
        row.paymentState === PAID_NOT_WRITTEN || !since || !row.syncedAt || row.syncedAt >= since,
    }))
  }

  /** Only the payment columns, so a push saving the same row meanwhile loses nothing. */
  private async save(
    record: Linked,
    state: InvoicePaymentState | null,
    due: Decimal,
    paidDate?: string
  ) {
    await InvoiceRecord.query()
      .where('id', record.id)
      .update({
        payment_state: state,
        xero_amount_due: due.toFixed(4),
        ...(paidDate ? { paid_date: paidDate } : {}),
        updated_at: DateTime.utc().toFormat('yyyy-LL-dd HH:mm:ss'),
      })
  }
}
