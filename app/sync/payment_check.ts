import { inject } from '@adonisjs/core'
import { Decimal } from 'decimal.js'
import { DateTime } from 'luxon'
import InvoiceRecord, { type InvoicePaymentState } from '#models/invoice_record'
import type Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import type { XeroGateway, XeroInvoice } from '#integrations/xero/xero_gateway'
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
  paymentState: string | null
  xeroAmountDue: string | null
}

/**
 * Payments recorded in Xero flow back to Autotask: a linked invoice Xero calls fully paid (AmountDue 0)
 * gets its paidDate written on the Autotask invoice (one PATCH each); a part-paid one is shown as
 * "Part paid" with what is still due, and nothing is written to Autotask until it is paid in full.
 * Xero is asked only what changed since the last check (If-Modified-Since, Statuses, 100 ids a call).
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
    const answers = [
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
    for (const invoice of answers) {
      const record = byXeroId.get(invoice.invoiceId.toLowerCase())
      if (!record || invoice.type !== 'ACCREC') continue
      const due = new Decimal(invoice.amountDue)
      const paid = new Decimal(invoice.amountPaid)
      const xeroName = `Xero invoice ${invoice.invoiceNumber ?? invoice.invoiceId}`

      if (due.isZero() && invoice.status === 'PAID') {
        const paidDate = invoice.fullyPaidOnDate ?? startedAt.toISODate()!
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
            `${xeroName} is paid in full; paid date ${paidDate} written to the Autotask invoice.`
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
          `${xeroName} is part paid: ${paid.toFixed(2)} received, ${due.toFixed(2)} still due. Nothing is written to Autotask until it is paid in full.`
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

  /** One GET /Invoices per 100 ids; nothing at all when there is nothing to ask. */
  private async ask(
    xero: XeroGateway,
    connection: ReturnType<typeof xeroConnectionOf>,
    records: Linked[],
    since: Date | null
  ): Promise<XeroInvoice[]> {
    if (records.length === 0) return []
    return xero.invoicesChangedAmong(
      connection,
      records.map((record) => record.xeroInvoiceId),
      [...PAYABLE_STATUSES],
      since
    )
  }

  /** This product's invoices linked to a Xero invoice whose full payment Autotask does not know yet. */
  private async linkedUnpaid(product: Product): Promise<(Linked & { fresh: boolean })[]> {
    const since = product.paymentsCheckedAt?.minus({ minutes: CLOCK_SKEW_MINUTES }) ?? null
    const rows = await InvoiceRecord.query()
      .where('product_id', product.id)
      .whereNotNull('xero_invoice_id')
      .whereNull('void_state')
      .whereNull('xero_type')
      .where((query) => query.whereNull('payment_state').orWhereNot('payment_state', 'paid'))
      .select(
        'id',
        'autotask_id',
        'invoice_number',
        'xero_invoice_id',
        'payment_state',
        'xero_amount_due',
        'synced_at'
      )
    return rows.map((row) => ({
      id: row.id,
      autotaskId: Number(row.autotaskId),
      invoiceNumber: row.invoiceNumber,
      xeroInvoiceId: row.xeroInvoiceId!,
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
