import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import { createHash, randomUUID } from 'node:crypto'
import { Decimal } from 'decimal.js'
import InvoiceRecord from '#models/invoice_record'
import type Product from '#models/product'
import { toSqlDateTime } from '#models/columns'
import { xeroConnectionOf } from '#sync/product_connections'
import type { DiscoveryFeed } from '#sync/discovery_feed'
import type {
  XeroCreditNote,
  XeroCreditNoteInput,
  XeroGateway,
  XeroWriteResult,
} from '#integrations/xero/xero_gateway'
import { XERO_BATCH_LIMIT } from '#integrations/xero/xero_gateway'
import { XeroError, XeroRateLimitError } from '#integrations/xero/errors'
import SyncLogService, { type LogLineInput } from '#services/sync_log_service'
import ContactResolver, { autotaskContactDetails, companyProblem } from '#sync/contact_resolver'
import { invoiceMarker, mapInvoice, type MappingContext } from '#sync/invoice_mapper'
import { refreshFromAutotask } from '#sync/invoice_push'
import type { RunContext } from '#sync/run_context'
import { currencyProblem } from '#sync/currencies'
import { Clock } from '#sync/clock'
import syncConfig from '#config/sync'

export interface CreditNoteStats {
  synced: number
  faulted: number
  skipped: number
}

interface Outcome {
  record: InvoiceRecord
  ok: boolean
  reason?: string
  hint?: string
  note?: XeroCreditNote
  verb?: 'created' | 'updated'
}

/**
 * A negative Autotask invoice becomes a Xero ACCRECCREDIT credit note: the same contact linking, tax and
 * account mappings, money rules and totals check as an invoice (the mapper prices its mirror image, all
 * amounts positive), sent in batches with an Idempotency-Key. Duplicate-proof like invoices: a linked one
 * is updated while Xero allows it; an unlinked one is looked up by number before it is created. Like an
 * invoice, one that waited or was resynced is read again from Autotask first (a resync downloads it in full).
 * Runs before the invoice push and claims only negative pending invoices, so the push never sees them.
 */
@inject()
export default class CreditNotePush {
  constructor(
    protected contacts: ContactResolver,
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  /** For the sync run: a failure is logged and left for the next run (claimed records expire back to pending). */
  async runInSync(context: RunContext, downloaded: ReadonlySet<number>): Promise<CreditNoteStats> {
    try {
      return await this.run(context, downloaded)
    } catch (failure) {
      if (failure instanceof XeroRateLimitError) throw failure // the run waits for it (SyncRunner)
      await this.logs.write({
        productId: context.product.id,
        syncRunId: context.run.id,
        level: 'warn',
        event: 'run.credit_notes_deferred',
        message: `Credit notes were not sent this time (the next run will): ${(failure as Error)?.message ?? failure}`,
        actor: 'engine',
      })
      return { synced: 0, faulted: 0, skipped: 0 }
    }
  }

  async run(context: RunContext, downloaded: ReadonlySet<number>): Promise<CreditNoteStats> {
    const { product, worker } = context
    const syncRunId = context.run.id
    const stats: CreditNoteStats = { synced: 0, faulted: 0, skipped: 0 }
    if (!product.effectiveSettings.creditNotes) return stats
    // Ends, too, when discovery beside it failed (the run stops with it).
    while (!context.feed?.failed) {
      // Read before claiming: a page discovery stores after this is reason to look again.
      const seen = context.feed?.version ?? 0
      const claimed = await this.claim(product, worker, context.feed)
      if (claimed.length === 0) {
        if (await context.feed?.beyond(seen, false)) continue
        break
      }
      context.feed?.taken(claimed.length)
      const lines: LogLineInput[] = []
      const base = (record: InvoiceRecord) => ({
        productId: product.id,
        syncRunId,
        invoiceRecordId: record.id,
        autotaskId: record.autotaskId,
        actor: 'engine',
      })
      const { current, deleted } = await refreshFromAutotask(
        product,
        claimed,
        context.autotask,
        downloaded,
        context.mapping.currencies!,
        (record, message) => lines.push({ ...base(record), event: 'invoice.refreshed', message })
      )
      for (const record of deleted) await this.settleDeleted(record, stats, lines, base(record))
      const records: InvoiceRecord[] = []
      for (const record of current) {
        if (record.total.isNegative()) records.push(record)
        else await this.settleNoLongerNegative(record, stats, lines, base(record))
      }
      const outcomes = await this.pushBatch(context, records)
      for (const outcome of outcomes) {
        const { record } = outcome
        if (outcome.ok && outcome.note) {
          // Ours when our create made it (Xero's time of it); found by number, not known to be ours.
          const sameLink =
            record.xeroInvoiceId?.toLowerCase() === outcome.note.creditNoteId.toLowerCase()
          const createdAt =
            outcome.verb === 'created'
              ? { xero_created_at: toSqlDateTime(outcome.note.updatedAt ?? this.clock.now()) }
              : sameLink
                ? {}
                : { xero_created_at: null }
          await this.settle(record, {
            ...createdAt,
            status: 'synced',
            xero_invoice_id: outcome.note.creditNoteId,
            xero_invoice_number: outcome.note.creditNoteNumber,
            xero_type: 'ACCRECCREDIT',
            synced_at: toSqlDateTime(this.clock.now()),
            fault_reason: null,
            fault_hint: null,
          })
          stats.synced++
          lines.push({
            ...base(record),
            event: 'invoice.synced',
            message: `Invoice ${record.invoiceNumber} (${record.currency} ${record.total.toFixed(2)}) ${outcome.verb} in Xero as credit note ${outcome.note.creditNoteNumber ?? outcome.note.creditNoteId}`,
          })
        } else {
          await this.fault(
            record,
            outcome.reason ?? 'Xero refused the credit note.',
            outcome.hint ?? 'Correct it in Autotask or Xero, then resync.',
            stats,
            lines,
            base(record)
          )
        }
      }
      await this.logs.writeMany(lines)
    }
    return stats
  }

  private async fault(
    record: InvoiceRecord,
    reason: string,
    hint: string,
    stats: CreditNoteStats,
    lines: LogLineInput[],
    base: Omit<LogLineInput, 'event' | 'message'>
  ) {
    await this.settle(record, { status: 'fault', fault_reason: reason, fault_hint: hint })
    stats.faulted++
    lines.push({
      ...base,
      level: 'error',
      event: 'invoice.fault',
      message: `Invoice ${record.invoiceNumber} could not become a Xero credit note: ${reason}`,
    })
  }

  /**
   * Deleted in Autotask before its push: skipped when it never reached Xero; a fault when Xero holds its
   * credit note, which a person voids there (as for invoices, the engine never removes a linked one itself).
   */
  private async settleDeleted(
    record: InvoiceRecord,
    stats: CreditNoteStats,
    lines: LogLineInput[],
    base: Omit<LogLineInput, 'event' | 'message'>
  ) {
    if (record.xeroInvoiceId) {
      const name = record.xeroInvoiceNumber ?? record.xeroInvoiceId
      return this.fault(
        record,
        'The invoice no longer exists in Autotask.',
        `It was deleted in Autotask, but Xero holds it as credit note ${name}: void it in Xero if it should go, then skip it here.`,
        stats,
        lines,
        base
      )
    }
    const reason = 'The invoice was deleted in Autotask before it reached Xero.'
    await this.settle(record, { status: 'skipped', fault_reason: reason, fault_hint: null })
    stats.skipped++
    lines.push({
      ...base,
      event: 'invoice.skipped',
      message: `Invoice ${record.invoiceNumber}: Skipped Over. ${reason}`,
    })
  }

  /**
   * Resynced, and no longer negative in Autotask: one Xero never saw goes on to the invoice push (pending
   * again, this run); one Xero holds as a credit note cannot become an invoice in place, so it faults.
   */
  private async settleNoLongerNegative(
    record: InvoiceRecord,
    stats: CreditNoteStats,
    lines: LogLineInput[],
    base: Omit<LogLineInput, 'event' | 'message'>
  ) {
    if (!record.xeroInvoiceId) return this.settle(record, { status: 'pending' })
    const name = record.xeroInvoiceNumber ?? record.xeroInvoiceId
    return this.fault(
      record,
      `Its total in Autotask is now ${record.currency} ${record.total.toFixed(2)}, but Xero holds it as credit note ${name}.`,
      `Void credit note ${name} in Xero, then skip this invoice here and enter the invoice in Xero by hand (or correct it in Autotask and resync).`,
      stats,
      lines,
      base
    )
  }

  /** Negative, numbered, pending invoices of the product, moved to processing under this worker's lease. */
  private async claim(
    product: Product,
    worker: string,
    feed?: DiscoveryFeed
  ): Promise<InvoiceRecord[]> {
    const token = `${worker.slice(0, 80)}#${randomUUID().slice(0, 12)}`
    const now = this.clock.now()
    const candidates = await db
      .from('invoice_records')
      .select('id')
      .where('product_id', product.id)
      .where('status', 'pending')
      .whereNotNull('invoice_number')
      .where('total', '<', 0)
      .where((q) =>
        q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', toSqlDateTime(now))
      )
      .where((q) => (feed ? feed.narrow(q) : q))
      .orderBy('id')
      .limit(XERO_BATCH_LIMIT)
    // While discovery goes on, only whole batches: the rest waits for more pages (one write, not several).
    if (candidates.length === 0 || (feed?.open && candidates.length < XERO_BATCH_LIMIT)) return []
    await db
      .from('invoice_records')
      .whereIn(
        'id',
        candidates.map((row) => Number(row.id))
      )
      .where('status', 'pending')
      .update({
        status: 'processing',
        lease_owner: token,
        lease_expires_at: toSqlDateTime(now.plus({ seconds: syncConfig.leaseSeconds })),
        updated_at: toSqlDateTime(now),
      })
    return InvoiceRecord.query().where('lease_owner', token).orderBy('id')
  }

  /** Only while this worker still holds the record's lease. */
  private async settle(record: InvoiceRecord, changes: Record<string, unknown>) {
    await db
      .from('invoice_records')
      .where('id', record.id)
      .where('lease_owner', record.leaseOwner!)
      .where('status', 'processing')
      .update({
        lease_owner: null,
        lease_expires_at: null,
        attempts: 0,
        next_attempt_at: null,
        needs_refresh: false,
        updated_at: toSqlDateTime(this.clock.now()),
        ...changes,
      })
  }

  private async pushBatch(context: RunContext, records: InvoiceRecord[]): Promise<Outcome[]> {
    const { product, xero, mapping, autotask } = context
    const syncRunId = context.run.id
    const outcomes: Outcome[] = []
    await mapping.currencies?.prepare(records)
    const ready = records.filter((record) => {
      const problem =
        companyProblem(record) ?? currencyProblem(record, 'invoice', mapping.currencies)
      if (problem) outcomes.push({ record, ok: false, ...problem })
      return !problem
    })
    const contacts = await this.contacts.resolve(
      product,
      xero,
      ready.map((record) => ({ id: record.autotaskCompanyId!, name: record.companyName! })),
      syncRunId,
      { known: context.contacts, details: autotaskContactDetails(autotask) }
    )
    const inputs: { record: InvoiceRecord; input: XeroCreditNoteInput }[] = []
    for (const record of ready) {
      const contact = contacts.get(record.autotaskCompanyId!)
      if (!contact || !contact.ok) {
        outcomes.push({
          record,
          ok: false,
          reason: contact?.reason ?? 'No Xero contact was found for the company.',
          hint: contact?.hint ?? 'Check the company in Autotask, then resync.',
        })
        continue
      }
      const mapped = creditNoteFor(record, contact.contactId, mapping)
      if (!mapped.ok) {
        outcomes.push({ record, ok: false, reason: mapped.reason, hint: mapped.hint })
        continue
      }
      inputs.push({ record, input: mapped.input })
    }
    if (inputs.length === 0) return outcomes

    const connection = xeroConnectionOf(product)
    // Unlinked ones: found by number before creating (a crash after Xero's answer, a person's copy).
    const numbers = inputs
      .filter(({ input }) => !input.creditNoteId && input.creditNoteNumber)
      .map(({ input }) => input.creditNoteNumber!)
    try {
      const existing =
        numbers.length > 0 ? await xero.getCreditNotesByNumbers(connection, numbers) : []
      const byNumber = new Map(existing.map((note) => [note.creditNoteNumber, note]))
      for (const entry of inputs) {
        const found = entry.input.creditNoteNumber
          ? byNumber.get(entry.input.creditNoteNumber)
          : undefined
        if (!entry.input.creditNoteId && found) entry.input.creditNoteId = found.creditNoteId
      }
      const updates = inputs.filter(({ input }) => input.creditNoteId)
      const creates = inputs.filter(({ input }) => !input.creditNoteId)
      const write = async (
        list: typeof inputs,
        op: 'create' | 'update',
        send: (
          notes: XeroCreditNoteInput[],
          key: string
        ) => Promise<XeroWriteResult<XeroCreditNote>[]>
      ) => {
        if (list.length === 0) return
        const notes = list.map(({ input }) => input)
        const key = `creditnotes:${op}:${createHash('sha256')
          .update(JSON.stringify([product.xeroTenantId, op, notes]))
          .digest('base64url')}`
        const results = await send(notes, key)
        for (const result of results) {
          const { record } = list[result.index]
          if (result.ok)
            outcomes.push({
              record,
              ok: true,
              note: result.value,
              verb: op === 'create' ? 'created' : 'updated',
            })
          else
            outcomes.push({
              record,
              ok: false,
              reason: `Xero refused the credit note: ${result.messages.join(' ')}`,
              hint: /allocat|status/i.test(result.messages.join(' '))
                ? 'Xero no longer lets it change (allocated, paid or voided): change it in Xero by hand, then skip this invoice.'
                : 'Correct the invoice in Autotask or the mapping in Settings, then resync.',
            })
        }
      }
      await write(updates, 'update', (notes, key) =>
        xero.updateCreditNotes(connection, notes, { idempotencyKey: key })
      )
      await write(creates, 'create', (notes, key) =>
        xero.createCreditNotes(connection, notes, { idempotencyKey: key })
      )
    } catch (error) {
      if (!(error instanceof XeroError)) throw error
      // Xero is unreachable or refused the whole request: pending again, tried at the next run; nothing lost.
      const waiting = inputs.filter(
        ({ record }) => !outcomes.some((outcome) => outcome.record === record)
      )
      for (const { record } of waiting)
        await this.settle(record, {
          status: 'pending',
          next_attempt_at: toSqlDateTime(this.clock.now().plus({ minutes: 1 })),
        })
      await this.logs.write({
        productId: product.id,
        syncRunId,
        level: 'warn',
        event: 'run.credit_notes_deferred',
        message: `${waiting.length} credit note(s) wait for the next run: ${error.message}`,
        actor: 'engine',
      })
      return outcomes
    }
    if (product.effectiveSettings.creditNoteAllocation === 'oldest_open')
      await this.allocate(product, syncRunId, xero, outcomes)
    return outcomes
  }

  /** Each new approved credit note goes to the contact's oldest open invoice in its currency, as far as it reaches. */
  private async allocate(
    product: Product,
    syncRunId: number,
    xero: XeroGateway,
    outcomes: Outcome[]
  ) {
    const connection = xeroConnectionOf(product)
    const lines: LogLineInput[] = []
    for (const outcome of outcomes) {
      const note = outcome.note
      if (!outcome.ok || !note || note.status !== 'AUTHORISED' || !note.contactId) continue
      const left = new Decimal(note.remainingCredit)
      if (left.lte(0)) continue
      const open = (
        await xero.findInvoices(
          connection,
          `Type=="ACCREC" AND Status=="AUTHORISED" AND Contact.ContactID==guid("${note.contactId}")`
        )
      )
        .filter(
          (invoice) =>
            new Decimal(invoice.amountDue).greaterThan(0) &&
            (!note.currencyCode || invoice.currencyCode === note.currencyCode)
        )
        .sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''))
      const target = open[0]
      const base = {
        productId: product.id,
        syncRunId,
        invoiceRecordId: outcome.record.id,
        autotaskId: outcome.record.autotaskId,
        actor: 'engine',
      }
      if (!target) {
        lines.push({
          ...base,
          event: 'invoice.credit_unallocated',
          message: `Credit note ${note.creditNoteNumber} left unallocated: the contact has no open invoice in ${note.currencyCode ?? 'its currency'}.`,
        })
        continue
      }
      const amount = Decimal.min(left, target.amountDue).toFixed(2)
      const result = await xero.allocateCreditNote(
        connection,
        note.creditNoteId,
        { invoiceId: target.invoiceId, amount, date: this.clock.now().toISODate()! },
        {
          idempotencyKey: `creditnotes:allocate:${note.creditNoteId}:${target.invoiceId}:${amount}`,
        }
      )
      lines.push(
        result.ok
          ? {
              ...base,
              event: 'invoice.credit_allocated',
              message: `Credit note ${note.creditNoteNumber}: ${amount} allocated to Xero invoice ${target.invoiceNumber}.`,
            }
          : {
              ...base,
              level: 'warn',
              event: 'invoice.credit_unallocated',
              message: `Credit note ${note.creditNoteNumber} could not be allocated to ${target.invoiceNumber}: ${result.messages.join(' ')}`,
            }
      )
    }
    await this.logs.writeMany(lines)
  }
}

/**
 * The Xero credit note a negative invoice becomes: the invoice mapping of its mirror image (every amount
 * positive), so the same mappings, money rules and totals check apply; linked ones carry their id.
 */
export function creditNoteFor(
  record: InvoiceRecord,
  contactId: string,
  mapping: MappingContext
):
  | { ok: true; input: XeroCreditNoteInput; total: Decimal }
  | { ok: false; reason: string; hint: string } {
  const mapped = mapInvoice(mirror(record), contactId, mapping)
  if (!mapped.ok) return mapped
  const { input } = mapped
  return {
    ok: true,
    total: mapped.total,
    input: {
      creditNoteId:
        record.xeroType === 'ACCRECCREDIT' ? (record.xeroInvoiceId ?? undefined) : undefined,
      type: 'ACCRECCREDIT',
      contact: input.contact,
      creditNoteNumber: input.invoiceNumber,
      reference: input.reference,
      date: input.date,
      status: input.status === 'DRAFT' ? 'DRAFT' : 'AUTHORISED',
      lineAmountTypes: input.lineAmountTypes,
      currencyCode: input.currencyCode,
      lineItems: input.lineItems,
      url: invoiceMarker(record),
    },
  }
}

/** The record with every amount negated: a credit note's lines are positive in Xero. */
function mirror(record: InvoiceRecord): InvoiceRecord {
  const copy = new InvoiceRecord()
  copy.merge({
    ...record.$attributes,
    total: record.total.neg(),
    subtotal: record.subtotal.neg(),
    taxTotal: record.taxTotal.neg(),
    lines: (record.lines ?? []).map((line) => ({
      ...line,
      rate: new Decimal(line.rate).neg().toString(),
      extendedPrice: new Decimal(line.extendedPrice).neg().toString(),
      taxDollars: new Decimal(line.taxDollars).neg().toString(),
    })),
  })
  return copy
}
