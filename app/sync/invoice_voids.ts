import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import { Decimal } from 'decimal.js'
import InvoiceRecord from '#models/invoice_record'
import type Product from '#models/product'
import { toSqlDateTime } from '#models/columns'
import { xeroConnectionOf } from '#sync/product_connections'
import {
  XERO_BATCH_LIMIT,
  type XeroCreditNote,
  type XeroCreditNoteInput,
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

/** A Xero invoice or credit note as the voids pass weighs it. */
interface XeroDocument {
  creditNote: boolean
  id: string
  /** "Xero invoice INV-1", "Xero credit note CN-1" */
  name: string
  status: string
  contactId: string | null
  /** paid on it (an invoice), or allocated or refunded from it (a credit note) */
  money: Decimal
  /** what that money is, in the fault reason: "Xero invoice INV-1 has 5.00 paid on it" */
  moneyOnIt: string
}

interface Planned {
  record: InvoiceRecord
  document: XeroDocument
  action: Action
}

function invoiceDocument(invoice: XeroInvoice): XeroDocument {
  const name = `Xero invoice ${invoice.invoiceNumber ?? invoice.invoiceId}`
  const paid = new Decimal(invoice.amountPaid)
  const credited = new Decimal(invoice.total).minus(invoice.amountDue).minus(paid)
  return {
    creditNote: false,
    id: invoice.invoiceId,
    name,
    status: invoice.status,
    contactId: invoice.contactId ?? null,
    money: paid.plus(credited),
    moneyOnIt:
      invoice.status === 'PAID'
        ? `${name} is paid`
        : paid.greaterThan(0)
          ? `${name} has ${paid.toFixed(2)} paid on it`
          : `${name} has ${credited.toFixed(2)} of credit allocated to it`,
  }
}

/** What is no longer in RemainingCredit has been allocated to invoices or refunded (contract: CreditNote). */
function creditNoteDocument(note: XeroCreditNote): XeroDocument {
  const name = `Xero credit note ${note.creditNoteNumber ?? note.creditNoteId}`
  const used = new Decimal(note.total).minus(note.remainingCredit)
  return {
    creditNote: true,
    id: note.creditNoteId,
    name,
    status: note.status,
    contactId: note.contactId,
    money: used,
    moneyOnIt:
      note.status === 'PAID'
        ? `${name} is fully allocated or refunded`
        : `${name} has ${used.toFixed(2)} of its credit allocated or refunded`,
  }
}

/**
 * Xero's rules, the same for invoices and credit notes (contract: Invoice/CreditNote Status; Xero's
 * Invoices and Credit Notes pages): a DRAFT or SUBMITTED one is deleted, an AUTHORISED one with no money
 * on it is voided; one with payments, allocations or refunds (or PAID) cannot be removed: null.
 */
function actionFor(document: XeroDocument): Action | null {
  if (document.status === 'DRAFT' || document.status === 'SUBMITTED') return 'DELETED'
  if (document.status === 'AUTHORISED' && document.money.isZero()) return 'VOIDED'
  return null
}

/**
 * An Autotask invoice voided after it reached Xero: a DRAFT or SUBMITTED Xero invoice is deleted, an
 * AUTHORISED one without payments or credit is voided (Xero's rules: "Voiding invoices",
 * https://developer.xero.com/documentation/api/accounting/invoices); one with money allocated (or PAID)
 * faults with the reason and what a person does in Xero. One a person already removed is left alone.
 * A negative invoice's credit note follows the same rules (Xero's Credit Notes page,
 * https://developer.xero.com/documentation/api/accounting/creditnotes: drafts deleted, approved ones
 * voided, one with allocations unchangeable; the contract's CreditNote Status and RemainingCredit).
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
      .whereNotNull('xero_invoice_id')
    if (records.length === 0) return outcome

    const connection = xeroConnectionOf(product)
    const idsOf = (credit: boolean) =>
      records
        .filter((record) => (record.xeroType === 'ACCRECCREDIT') === credit)
        .map((record) => record.xeroInvoiceId!)
    const invoiceIds = idsOf(false)
    const creditNoteIds = idsOf(true)
    const found = new Map<string, XeroDocument>()
    if (invoiceIds.length > 0)
      for (const invoice of await xero.getInvoicesByIds(connection, invoiceIds))
        found.set(invoice.invoiceId.toLowerCase(), invoiceDocument(invoice))
    if (creditNoteIds.length > 0)
      for (const note of await xero.creditNotesAmong(connection, creditNoteIds))
        found.set(note.creditNoteId.toLowerCase(), creditNoteDocument(note))

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
      const document = found.get(record.xeroInvoiceId!.toLowerCase())
      const noun = record.xeroType === 'ACCRECCREDIT' ? 'credit note' : 'invoice'
      const name = `Xero ${noun} ${record.xeroInvoiceNumber ?? record.xeroInvoiceId}`
      if (!document || document.status === 'DELETED' || document.status === 'VOIDED') {
        const what = document ? document.status.toLowerCase() : 'no longer in Xero'
        if (await this.settle(record, 'skipped', 'gone')) {
          outcome.gone++
          line(record, 'info', 'invoice.void_done', `${name} is already ${what}; Skipped Over.`)
        }
        continue
      }
      const action = actionFor(document)
      if (action) planned.push({ record, document, action })
      else {
        await this.refuse(record, document, line)
        outcome.refused++
      }
    }

    for (const credit of [false, true]) {
      const ofKind = planned.filter(({ document }) => document.creditNote === credit)
      for (let start = 0; start < ofKind.length; start += XERO_BATCH_LIMIT) {
        const chunk = ofKind.slice(start, start + XERO_BATCH_LIMIT)
        const results = await this.write(product, xero, chunk)
        for (const result of results) {
          const { record, document, action } = chunk[result.index]
          if (result.ok) {
            const state = action === 'DELETED' ? 'deleted' : 'voided'
            if (await this.settle(record, 'skipped', state)) {
              if (state === 'deleted') outcome.deleted++
              else outcome.voided++
              line(
                record,
                'info',
                'invoice.void_done',
                `${document.name} ${state} in Xero; Skipped Over.`
              )
            }
          } else {
            await this.refuse(
              record,
              document,
              line,
              `Xero refused to ${action === 'DELETED' ? 'delete' : 'void'} ${document.name}: ${result.messages.join(' ')}`
            )
            outcome.refused++
          }
        }
      }
    }
    await this.logs.writeMany(lines)
    return outcome
  }

  /** One batch of one kind: invoices through POST /Invoices, credit notes through POST /CreditNotes. */
  private async write(product: Product, xero: XeroGateway, chunk: Planned[]) {
    const connection = xeroConnectionOf(product)
    if (chunk[0].document.creditNote) {
      const notes: XeroCreditNoteInput[] = chunk.map(({ document, action }) => ({
        creditNoteId: document.id,
        type: 'ACCRECCREDIT',
        contact: { contactId: document.contactId ?? undefined },
        status: action,
      }))
      return xero.updateCreditNotes(connection, notes, {
        idempotencyKey: batchKey('credit-note-voids', product, notes),
      })
    }
    const inputs: XeroInvoiceInput[] = chunk.map(({ document, action }) => ({
      invoiceId: document.id,
      type: 'ACCREC',
      contact: { contactId: document.contactId ?? undefined },
      status: action,
    }))
    return xero.updateInvoices(connection, inputs, {
      idempotencyKey: batchKey('voids', product, inputs),
    })
  }

  /** Money is allocated to it: the record faults with the reason and what a person does in Xero. */
  private async refuse(
    record: InvoiceRecord,
    document: XeroDocument,
    line: (record: InvoiceRecord, level: 'error', event: string, message: string) => void,
    refusal?: string
  ) {
    const { name } = document
    const reason = refusal ?? document.moneyOnIt
    const hint = document.creditNote
      ? `In Xero, remove the allocations and refunds of ${name}, then void it; then Skip this invoice here.`
      : `In Xero, remove the payments and credit allocations from ${name}, then void it (or raise a credit note for it); then Skip this invoice here.`
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
