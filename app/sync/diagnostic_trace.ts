import { inject } from '@adonisjs/core'
import InvoiceRecord from '#models/invoice_record'
import RecordStatusService, { type StatusMoveResult } from '#services/record_status_service'
import type Product from '#models/product'
import Mapping from '#models/mapping'
import { Decimal } from 'decimal.js'
import type { LogLevel } from '#enums/sync'
import SyncLogService from '#services/sync_log_service'
import ProductConnections, { xeroConnectionOf } from '#sync/product_connections'
import ContactResolver, { companyProblem, NEW_CONTACT } from '#sync/contact_resolver'
import { mapInvoice, type MappingContext } from '#sync/invoice_mapper'
import { creditNoteFor } from '#sync/credit_note_push'
import { toRecord } from '#sync/invoice_discovery'
import { RunCurrencies } from '#sync/currencies'

export type TraceResult = { ok: true; wouldSync: boolean } | { ok: false; reason: string }

/** Keys that never reach a log line, whatever a payload holds. */
const SECRET_KEYS = /token|secret|password|authorization/i

/**
 * Diagnostic Mode's trace: a dry run of one invoice that fetches it afresh from
 * Autotask, resolves its contact and maps it exactly as a push would, and logs
 * every step at debug level with the payload Xero would receive (secrets
 * redacted) — without writing anything to Xero or to the record.
 */
@inject()
export default class DiagnosticTrace {
  constructor(
    protected connections: ProductConnections,
    protected contacts: ContactResolver,
    protected logs: SyncLogService,
    protected statuses: RecordStatusService
  ) {}

  /** Staff's "Run diagnostic": the invoice moves to Diagnostic Mode (held there until released), then is traced. */
  async enter(product: Product, record: InvoiceRecord, actor: string): Promise<StatusMoveResult> {
    const moved = await this.statuses.apply('invoice', record, 'diagnose', actor)
    if (moved.ok) await this.trace(product, record, actor)
    return moved
  }

  async trace(product: Product, record: InvoiceRecord, actor: string): Promise<TraceResult> {
    const step = (message: string, level: LogLevel = 'debug') =>
      this.logs.write({
        productId: product.id,
        invoiceRecordId: record.id,
        autotaskId: record.autotaskId,
        level,
        event: 'diagnostic.trace',
        message,
        actor,
      })
    await step(
      `Diagnostic trace started by ${actor}: a dry run, nothing is written to Xero`,
      'info'
    )
    const connections = this.connections.for(product)
    if (!connections.ok) {
      await step(`Cannot trace: ${connections.reason}`, 'error')
      return { ok: false, reason: connections.reason }
    }
    try {
      const invoice = (await connections.autotask.invoicesByIds([record.autotaskId])).get(
        record.autotaskId
      )
      if (!invoice) {
        await step('Autotask no longer has this invoice (deleted).', 'error')
        return { ok: false, reason: 'The invoice no longer exists in Autotask.' }
      }
      const items =
        (await connections.autotask.billingItemsForInvoices([invoice.id])).get(invoice.id) ?? []
      const company = (await connections.autotask.companiesByIds([invoice.companyID])).get(
        invoice.companyID
      )
      await step(`Autotask invoice: ${redactedJson(invoice)}`)
      await step(`Autotask billing items (${items.length}): ${redactedJson(items)}`)
      await step(`Autotask company: ${company ? redactedJson(company) : 'missing'}`)

      // Only the company Autotask returns now counts: a stale name would hide a missing company.
      const currencies = new RunCurrencies({
        autotask: connections.autotask,
        xero: connections.xero,
        connection: () => xeroConnectionOf(product),
        productCurrency: () => product.effectiveSettings.currency ?? 'USD',
      })
      const fresh = new InvoiceRecord().merge(
        toRecord(product, invoice, items, company, await currencies.ofCompany(company), null)
      )
      const problem = companyProblem(fresh)
      if (problem) {
        await step(`Contact: ${problem.reason} ${problem.hint}`, 'error')
        return { ok: true, wouldSync: false }
      }

      const outcome = (
        await this.contacts.resolve(
          product,
          connections.xero,
          [
            {
              id: invoice.companyID,
              name: company?.companyName ?? record.companyName ?? `Company ${invoice.companyID}`,
            },
          ],
          null,
          { dryRun: true }
        )
      ).get(invoice.companyID)
      if (!outcome?.ok) {
        await step(`Contact: ${outcome?.reason ?? 'no company'} ${outcome?.hint ?? ''}`, 'error')
        return { ok: true, wouldSync: false }
      }
      await step(
        outcome.contactId === NEW_CONTACT
          ? 'Contact: none matches; a push would create it'
          : `Contact: linked or matched to Xero contact ${outcome.contactId}`
      )

      const [mappings, rates] = await Promise.all([
        Mapping.query().where('product_id', product.id),
        connections.xero.getTaxRates(xeroConnectionOf(product)),
      ])
      const context: MappingContext = {
        taxTypes: new Map(
          mappings.filter((m) => m.kind === 'tax_region').map((m) => [m.autotaskValue, m.xeroValue])
        ),
        accounts: new Map(
          mappings
            .filter((m) => m.kind === 'billing_code')
            .map((m) => [m.autotaskValue, m.xeroValue])
        ),
        items: new Map(
          mappings
            .filter((m) => m.kind === 'billing_code_item')
            .map((m) => [m.autotaskValue, m.xeroValue])
        ),
        taxRates: new Map(
          rates.filter((r) => r.status === 'ACTIVE').map((r) => [r.taxType, new Decimal(r.rate)])
        ),
        settings: product.effectiveSettings,
        currencies,
      }
      await currencies.prepare([fresh])
      // A negative invoice goes to Xero as a credit note when the product sends them (CreditNotePush).
      const credit = context.settings.creditNotes && fresh.total.isNegative()
      const mapped = credit
        ? creditNoteFor(fresh, outcome.contactId, context)
        : mapInvoice(fresh, outcome.contactId, context)
      if (!mapped.ok) {
        await step(`Mapping refused: ${mapped.reason} ${mapped.hint}`, 'error')
        return { ok: true, wouldSync: false }
      }
      await step(
        credit
          ? `Payload Xero would receive (PUT /CreditNotes?summarizeErrors=false&unitdp=4): ${redactedJson({ CreditNotes: [mapped.input] })}`
          : `Payload Xero would receive (PUT /Invoices?summarizeErrors=false&unitdp=4): ${redactedJson({ Invoices: [mapped.input] })}`
      )
      await step(
        credit
          ? `Checks passed: every line mapped; the credit note's total ${mapped.total.toFixed(2)} is Autotask's ${fresh.total.toFixed(2)} as a credit`
          : `Checks passed: every line mapped; Xero's total ${mapped.total.toFixed(2)} equals Autotask's ${fresh.total.toFixed(2)}`,
        'info'
      )
      return { ok: true, wouldSync: true }
    } catch (error) {
      await step(`Trace stopped: ${(error as Error).message}`, 'error')
      return { ok: false, reason: (error as Error).message }
    }
  }
}

function redactedJson(value: unknown) {
  return JSON.stringify(value, (key, inner) =>
    key && SECRET_KEYS.test(key) ? '[redacted]' : inner
  )
}
