import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import { Decimal } from 'decimal.js'
import InvoiceRecord from '#models/invoice_record'
import type Product from '#models/product'
import { toSqlDateTime } from '#models/columns'
import { xeroConnectionOf } from '#sync/product_connections'
import {
  XERO_BATCH_LIMIT,
  type XeroGateway,
  type XeroInvoice,
  type XeroInvoiceInput,
} from '#integrations/xero/xero_gateway'
import SyncLogService, { type LogLineInput } from '#services/sync_log_service'
import { batchKey } from '#sync/invoice_push'
import { Clock } from '#sync/clock'
import { XeroRateLimitError } from '#integrations/xero/errors'

export interface VoidOutcome {
  deleted: number
  voided: number
  gone: number
  refused: number
}

type Action = 'DELETED' | 'VOIDED'

interface Planned {
  record: InvoiceRecord
  invoice: XeroInvoice
  action: Action
}

/**
 * An Autotask invoice voided after it reached Xero: a DRAFT or SUBMITTED Xero invoice is deleted, an
 * AUTHORISED one without payments or credit is voided (Xero's rules: "Voiding invoices",
 * https://developer.xero.com/documentation/api/accounting/invoices); one with money allocated (or PAID)
 * faults with the reason and what a person does in Xero. One a person already removed is left alone.
 * Everything ends on the record (status, void_state) and in its log.
 */
@inject()
export default class InvoiceVoids {
  constructor(
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  /** For the sync run: a failure is logged and left for the next run (the records stay marked). */
  async runInSync(product: Product, xero: XeroGateway, syncRunId: number) {
    try {
      return await this.run(product, xero, { syncRunId })
    } catch (failure) {
      if (failure instanceof XeroRateLimitError) throw failure // the run waits for it (SyncRunner)
      await this.logs.write({
        productId: product.id,
        syncRunId,
        level: 'warn',
        event: 'run.voids_unapplied',
        message: `Invoices voided in Autotask were not removed from Xero this time (the next run will): ${
          (failure as Error)?.message ?? failure
        }`,
        actor: 'engine',
      })
      return null
    }
  }

  async run(
    product: Product,
    xero: XeroGateway,
    options: { syncRunId?: number } = {}
  ): Promise<VoidOutcome | null> {
    if (!product.effectiveSettings.voidsToXero) return null
    const syncRunId = options.syncRunId ?? null
    const outcome: VoidOutcome = { deleted: 0, voided: 0, gone: 0, refused: 0 }
    const records = await InvoiceRecord.query()
      .where('product_id', product.id)
      .where('status', 'synced')
      .whereNotNull('autotask_voided_at')
      .whereNull('void_state')
      .whereNull('xero_type')
      .whereNotNull('xero_invoice_id')
    if (records.length === 0) return outcome

    const connection = xeroConnectionOf(product)
    const found = new Map(
      (
        await xero.getInvoicesByIds(
          connection,
          records.map((record) => record.xeroInvoiceId!)
        )
      ).map((invoice) => [invoice.invoiceId.toLowerCase(), invoice])
    )
    const lines: LogLineInput[] = []
    const line = (record: InvoiceRecord, level: 'info' | 'error', event: string, message: string) =>
      lines.push({
        productId: product.id,
        syncRunId,
        invoiceRecordId: record.id,
        autotaskId: record.autotaskId,
        level,
        event,
        message: `Invoice ${record.invoiceNumber ?? record.autotaskId} (voided in Autotask): ${message}`,
        actor: 'engine',
      })

    const planned: Planned[] = []
    for (const record of records) {
      const invoice = found.get(record.xeroInvoiceId!.toLowerCase())
      const name = `Xero invoice ${record.xeroInvoiceNumber ?? record.xeroInvoiceId}`
      if (!invoice || invoice.status === 'DELETED' || invoice.status === 'VOIDED') {
        const what = invoice ? invoice.status.toLowerCase() : 'no longer in Xero'
        if (await this.settle(record, 'skipped', 'gone')) {
          outcome.gone++
          line(record, 'info', 'invoice.void_done', `${name} is already ${what}; Skipped Over.`)
        }
        continue
      }
      const paid = new Decimal(invoice.amountPaid)
      const unsettled = new Decimal(invoice.total).minus(invoice.amountDue).minus(paid)
      if (invoice.status === 'DRAFT' || invoice.status === 'SUBMITTED')
        planned.push({ record, invoice, action: 'DELETED' })
      else if (invoice.status === 'AUTHORISED' && paid.isZero() && unsettled.isZero())
        planned.push({ record, invoice, action: 'VOIDED' })
      else {
        const money = paid.greaterThan(0)
          ? `${paid.toFixed(2)} is paid on it`
          : `${unsettled.toFixed(2)} of credit is allocated to it`
        await this.refuse(
          record,
          invoice.status === 'PAID' ? `${name} is paid` : `${name} has ${money}`,
          name,
          line
        )
        outcome.refused++
      }
    }

    for (let start = 0; start < planned.length; start += XERO_BATCH_LIMIT) {
      const chunk = planned.slice(start, start + XERO_BATCH_LIMIT)
      const inputs: XeroInvoiceInput[] = chunk.map(({ invoice, action }) => ({
        invoiceId: invoice.invoiceId,
        type: 'ACCREC',
        contact: { contactId: invoice.contactId ?? undefined },
        status: action,
      }))
      const results = await xero.updateInvoices(connection, inputs, {
        idempotencyKey: batchKey('voids', product, inputs),
      })
      for (const result of results) {
        const { record, invoice, action } = chunk[result.index]
        const name = `Xero invoice ${invoice.invoiceNumber ?? invoice.invoiceId}`
        if (result.ok) {
          const state = action === 'DELETED' ? 'deleted' : 'voided'
          if (await this.settle(record, 'skipped', state)) {
            if (state === 'deleted') outcome.deleted++
            else outcome.voided++
            line(record, 'info', 'invoice.void_done', `${name} ${state} in Xero; Skipped Over.`)
          }
        } else {
          await this.refuse(
            record,
            `Xero refused to ${action === 'DELETED' ? 'delete' : 'void'} ${name}: ${result.messages.join(' ')}`,
            name,
            line
          )
          outcome.refused++
        }
      }
    }
    await this.logs.writeMany(lines)
    return outcome
  }

  /** Money is allocated to it: the record faults with the reason and what a person does in Xero. */
  private async refuse(
    record: InvoiceRecord,
    reason: string,
    name: string,
    line: (record: InvoiceRecord, level: 'error', event: string, message: string) => void
  ) {
    const hint = `In Xero, remove the payments and credit allocations from ${name}, then void it (or raise a credit note for it); then Skip this invoice here.`
    if (await this.settle(record, 'fault', 'refused', `Voided in Autotask, but ${reason}.`, hint))
      line(
        record,
        'error',
        'invoice.void_refused',
        `${reason}, so Xero does not let us remove it. ${hint}`
      )
  }

  /** Moves the record only while it is still synced (a worker holding it wins; the next run retries). */
  private async settle(
    record: InvoiceRecord,
    status: 'skipped' | 'fault',
    voidState: NonNullable<InvoiceRecord['voidState']>,
    faultReason: string | null = null,
    faultHint: string | null = null
  ) {
    const changed = await db
      .from('invoice_records')
      .where('id', record.id)
      .where('status', 'synced')
      .update({
        status,
        void_state: voidState,
        fault_reason: faultReason,
        fault_hint: faultHint,
        updated_at: toSqlDateTime(this.clock.now()),
      })
    return Number(changed) === 1
  }
}
