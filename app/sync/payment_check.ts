import { inject } from '@adonisjs/core'
import { Decimal } from 'decimal.js'
import { DateTime } from 'luxon'
import InvoiceRecord, { type InvoicePaymentState } from '#models/invoice_record'
import type Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import type { XeroCreditNote, XeroGateway, XeroInvoice } from '#integrations/xero/xero_gateway'
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
  /** invoices Xero answered for (changed since the last check) */
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
 * Xero is asked only what changed since the last check (If-Modified-Since, Statuses, 100 ids a call).
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

    const linked = await this.linkedUnpaid(product)
    // Linked since the last check, or paid but not yet written: asked whatever their change date
    // (an invoice found in Xero by number may have been paid long before it was linked).
    const fresh = linked.filter((record) => !since || record.fresh)
    const known = linked.filter((record) => since && !record.fresh)
    const connection = xeroConnectionOf(product)
    const answers: Answer[] = [
      ...(await this.ask(xero, connection, fresh, null)),
      ...(await this.ask(xero, connection, known, since?.toJSDate() ?? null)),
    ]

    const byXeroId = new Map(linked.map((record) => [record.xeroInvoiceId.toLowerCase(), record]))
    const outcome: PaymentCheckOutcome = {
      checked: linked.length,
      changed: answers.length,
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
    for (const answer of answers) {
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
   * One GET /Invoices per 100 invoice ids, one GET /CreditNotes per 40 credit-note ids; nothing at all
   * when there is nothing to ask.
   */
  private async ask(
    xero: XeroGateway,
    connection: ReturnType<typeof xeroConnectionOf>,
    records: Linked[],
    since: Date | null
  ): Promise<Answer[]> {
    const idsOf = (creditNote: boolean) =>
      records
        .filter((record) => record.creditNote === creditNote)
        .map((record) => record.xeroInvoiceId)
    const invoiceIds = idsOf(false)
    const creditNoteIds = idsOf(true)
    const answers: Answer[] = []
    if (invoiceIds.length > 0)
      for (const invoice of await xero.invoicesChangedAmong(
        connection,
        invoiceIds,
        [...PAYABLE_STATUSES],
        since
      )) {
        const answer = invoiceAnswer(invoice)
        if (answer) answers.push(answer)
      }
    if (creditNoteIds.length > 0)
      for (const note of await xero.creditNotesAmong(connection, creditNoteIds, {
        statuses: [...PAYABLE_STATUSES],
        since,
      }))
        answers.push(creditNoteAnswer(note))
    return answers
  }

  /** This product's invoices linked to a Xero invoice whose full payment Autotask does not know yet. */
  private async linkedUnpaid(product: Product): Promise<(Linked & { fresh: boolean })[]> {
    const since = product.paymentsCheckedAt?.minus({ minutes: CLOCK_SKEW_MINUTES }) ?? null
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
