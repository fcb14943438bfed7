import { inject } from '@adonisjs/core'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import type { BillingItem } from '#integrations/autotask/types'
import type { XeroGateway, XeroInvoice, XeroInvoiceInput, XeroWriteResult } from '#integrations/xero/xero_gateway'
import InvoiceRecord from '#models/invoice_record'
import Link from '#models/link'
import type Product from '#models/product'
import LeaseService, { type Claim } from '#sync/leases'
import ContactResolver, { companyProblem } from '#sync/contact_resolver'
import RecordOutcomes, { type PushStats } from '#sync/record_outcomes'
import { mapInvoice, numberFor, referenceFor, type MappingContext } from '#sync/invoice_mapper'
import { toRecord } from '#sync/invoice_discovery'
import syncConfig from '#config/sync'

const LOCKED_STATUSES = new Set(['PAID', 'VOIDED', 'DELETED'])

interface Candidate {
  record: InvoiceRecord
  input: XeroInvoiceInput
  /** how the Xero invoice was found when it was not linked yet */
  foundBy?: string
  /** what the mapping had to change (text cut to Xero's limits), logged once it is in Xero */
  notes?: string[]
}

/**
 * Phase 2: claimed `pending` invoices are mapped, checked and written to Xero in
 * batches of up to 50, each getting its own outcome. Duplicate-proof: a linked
 * invoice is updated in place (while Xero allows it); an unlinked one is looked
 * up in Xero by number (or reference) before anything is created; every batch
 * write carries an Idempotency-Key; only the lease holder can record an outcome.
 */
@inject()
export default class InvoicePush {
  constructor(
    protected leases: LeaseService,
    protected outcomes: RecordOutcomes,
    protected contacts: ContactResolver
  ) {}

  async run(
    product: Product,
    syncRunId: number,
    autotask: AutotaskClient,
    xero: XeroGateway,
    context: MappingContext,
    downloaded: ReadonlySet<number>,
    worker: string,
    shouldStop: () => Promise<boolean>,
    onBatch: (stats: PushStats) => void = () => {}
  ): Promise<PushStats> {
    const stats: PushStats = { synced: 0, faulted: 0, retried: 0, skipped: 0 }
    while (!(await shouldStop())) {
      const claim = await this.leases.claim('invoice', product.id, worker, syncConfig.batchSize, syncConfig.leaseSeconds)
      if (claim.ids.length === 0) break
      const records = await InvoiceRecord.query().whereIn('id', claim.ids).orderBy('id')
      try {
        await this.pushBatch(product, syncRunId, claim, records, autotask, xero, context, downloaded, stats)
      } catch (error) {
        const wait = await this.outcomes.batchFailed('invoice', product, syncRunId, claim, records, error, stats)
        if (wait > 0) await sleep(Math.min(wait, syncConfig.maxInlineWaitSeconds) * 1000)
      }
      onBatch(stats)
    }
    return stats
  }

  private async pushBatch(
    product: Product,
    syncRunId: number,
    claim: Claim,
    claimed: InvoiceRecord[],
    autotask: AutotaskClient,
    xero: XeroGateway,
    context: MappingContext,
    downloaded: ReadonlySet<number>,
    stats: PushStats
  ) {
    // Only these may already be in Xero without our link: tried before (a time-out, a dead worker) or resynced.
    // Read before the refresh, which clears both marks.
    const mayExist = new Set(claimed.filter((r) => r.attempts > 0 || r.needsRefresh).map((r) => r.id))
    const { current, deleted } = await this.refreshFromAutotask(product, syncRunId, claimed, autotask, downloaded)
    await this.settleDeleted(product, syncRunId, claim, deleted, xero, context, mayExist, stats)

    const records: InvoiceRecord[] = []
    for (const record of current) {
      const problem = companyProblem(record)
      if (problem) await this.fault(product, syncRunId, claim, record, problem.reason, problem.hint, stats)
      else records.push(record)
    }
    const contacts = await this.contacts.resolve(
      product,
      xero,
      records.map((record) => ({ id: record.autotaskCompanyId!, name: record.companyName! })),
      syncRunId
    )

    const candidates: Candidate[] = []
    for (const record of records) {
      const contact = contacts.get(record.autotaskCompanyId!)
      if (!contact || !contact.ok) {
        await this.fault(product, syncRunId, claim, record, contact?.reason ?? 'No Xero contact was found for the company.', contact?.hint ?? 'Check the company in Autotask, then resync.', stats)
        continue
      }
      const mapped = mapInvoice(record, contact.contactId, context)
      if (!mapped.ok) {
        await this.fault(product, syncRunId, claim, record, mapped.reason, mapped.hint, stats)
        continue
      }
      candidates.push({ record, input: mapped.input, notes: mapped.notes })
    }

    await this.findUnlinkedInXero(product, xero, candidates, context, mayExist)
    const updates = await this.updatable(product, syncRunId, claim, xero, candidates.filter((c) => c.input.invoiceId), stats)
    const creates = candidates.filter((c) => !c.input.invoiceId)

    if (updates.length) {
      const results = await xero.updateInvoices(product, updates.map((c) => c.input), { idempotencyKey: `${claim.token}:update` })
      await this.record(product, syncRunId, claim, updates, results, 'updated', stats)
    }
    if (creates.length) {
      const results = await xero.createInvoices(product, creates.map((c) => c.input), { idempotencyKey: `${claim.token}:create` })
      // "Invoice # must be unique": typed into Xero by hand meanwhile; found by number, linked and updated instead.
      const taken = results.filter((r) => !r.ok && r.messages.some((m) => /must be unique/i.test(m)))
      const takenCandidates = taken.map((r) => creates[r.index])
      await this.record(product, syncRunId, claim, creates, results.filter((r) => !taken.includes(r)), 'created', stats)
      if (takenCandidates.length && context.settings.numbering !== 'xero') {
        await this.findUnlinkedInXero(product, xero, takenCandidates, context, new Set(takenCandidates.map((c) => c.record.id)))
        const found = await this.updatable(product, syncRunId, claim, xero, takenCandidates.filter((c) => c.input.invoiceId), stats)
        for (const candidate of takenCandidates.filter((c) => !c.input.invoiceId)) {
          await this.fault(product, syncRunId, claim, candidate.record, `Xero refused the invoice: Invoice # must be unique.`, hintFor('must be unique'), stats)
        }
        if (found.length) {
          const again = await xero.updateInvoices(product, found.map((c) => c.input), { idempotencyKey: `${claim.token}:relink` })
          await this.record(product, syncRunId, claim, found, again, 'updated', stats)
        }
      }
    }
  }

  /**
   * Our copy is checked against Autotask unless this run downloaded it: one that
   * waited (a paused product, a retry, an earlier run) may have been deleted
   * meanwhile, and a resynced one is downloaded again in full. One call for the
   * batch, and one for the lines of resynced ones (plus their company, when it
   * changed or was not found before); invoices downloaded by this run cost none.
   */
  private async refreshFromAutotask(
    product: Product,
    syncRunId: number,
    records: InvoiceRecord[],
    autotask: AutotaskClient,
    downloaded: ReadonlySet<number>
  ) {
    const stale = new Set(records.filter((record) => record.needsRefresh || !downloaded.has(record.autotaskId)))
    if (stale.size === 0) return { current: records, deleted: [] }
    const invoices = await autotask.invoicesByIds([...stale].map((record) => record.autotaskId))
    const resynced = [...stale].filter((record) => record.needsRefresh && invoices.has(record.autotaskId))
    const newCompanies = resynced
      .map((record) => ({ record, invoice: invoices.get(record.autotaskId)! }))
      .filter(({ record, invoice }) => invoice.companyID !== record.autotaskCompanyId || !record.companyName)
      .map(({ invoice }) => invoice.companyID)
    const [lines, companies] = await Promise.all([
      resynced.length ? autotask.billingItemsForInvoices(resynced.map((record) => record.autotaskId)) : new Map<number, BillingItem[]>(),
      autotask.companiesByIds(newCompanies),
    ])

    const current: InvoiceRecord[] = []
    const deleted: InvoiceRecord[] = []
    for (const record of records) {
      const invoice = invoices.get(record.autotaskId)
      if (!stale.has(record)) {
        current.push(record)
      } else if (!invoice) {
        deleted.push(record)
      } else {
        if (record.needsRefresh) {
          const knownName = invoice.companyID === record.autotaskCompanyId ? record.companyName : null
          record.merge({ ...toRecord(product, invoice, lines.get(invoice.id) ?? [], companies.get(invoice.companyID), knownName), needsRefresh: false })
          await record.save()
          await this.outcomes.log('invoice', product, syncRunId, record, 'info', 'invoice.refreshed', `Invoice ${record.invoiceNumber} downloaded again from Autotask for the resync`)
        }
        current.push(record)
      }
    }
    return { current, deleted }
  }

  /**
   * Invoices deleted in Autotask before their push. One that never reached Xero
   * is skipped with the reason: nothing is left to do. One that Xero holds
   * (linked, or found there after an earlier try) faults: Xero has a document
   * Autotask no longer has, and a person decides what becomes of it.
   */
  private async settleDeleted(
    product: Product,
    syncRunId: number,
    claim: Claim,
    deleted: InvoiceRecord[],
    xero: XeroGateway,
    context: MappingContext,
    mayExist: Set<number>,
    stats: PushStats
  ) {
    if (deleted.length === 0) return
    const candidates: Candidate[] = deleted.map((record) => ({
      record,
      input: {
        type: 'ACCREC',
        contact: {},
        invoiceNumber: numberFor(record, context.settings) ?? undefined,
        reference: referenceFor(record, context.settings) ?? undefined,
        total: record.total.toFixed(2),
      },
    }))
    // Only one an earlier try may have put in Xero is looked for there: a match on reference alone proves nothing.
    const mayBeInXero = candidates.filter((c) => c.record.xeroInvoiceId || mayExist.has(c.record.id))
    await this.findUnlinkedInXero(product, xero, mayBeInXero, context, mayExist)
    for (const { record, input } of candidates) {
      if (!input.invoiceId) {
        await this.outcomes.skipped('invoice', product, syncRunId, claim, record, 'The invoice was deleted in Autotask before it reached Xero.', stats)
        continue
      }
      const inXero = record.xeroInvoiceNumber ?? (record.xeroInvoiceId ? null : input.invoiceNumber)
      await this.fault(
        product,
        syncRunId,
        claim,
        record,
        'The invoice no longer exists in Autotask.',
        `It was deleted in Autotask, but Xero holds it${inXero ? ` as ${inXero}` : ''}: void it in Xero if it should go, then skip it here.`,
        stats
      )
    }
  }

  /**
   * Unlinked invoices that may already be in Xero (a crash or time-out after
   * Xero answered, a resync, or with Xero's numbering anything) are looked up
   * by number or reference, and linked instead of created again.
   */
  private async findUnlinkedInXero(
    product: Product,
    xero: XeroGateway,
    candidates: Candidate[],
    context: MappingContext,
    mayExist: Set<number>
  ) {
    for (const candidate of candidates) {
      if (candidate.record.xeroInvoiceId) candidate.input.invoiceId = candidate.record.xeroInvoiceId
    }
    // With Xero's own numbering a hand-typed copy is not caught by "must be unique", so every unlinked one is looked up.
    const unlinked = candidates.filter(
      (c) => !c.input.invoiceId && (context.settings.numbering === 'xero' || mayExist.has(c.record.id))
    )
    if (unlinked.length === 0) return
    let found: XeroInvoice[]
    let keyOf: (invoice: XeroInvoice) => string | null
    let wanted: (candidate: Candidate) => string | undefined
    if (context.settings.numbering === 'xero') {
      const references = [...new Set(unlinked.map((c) => c.input.reference).filter((r): r is string => Boolean(r)))]
      found = []
      for (let start = 0; start < references.length; start += 25) {
        const where = references
          .slice(start, start + 25)
          .map((reference) => `Reference=="${reference.replace(/["\\]/g, '')}"`)
          .join(' OR ')
        found.push(...(await xero.findInvoices(product, where)))
      }
      keyOf = (invoice) => invoice.reference
      wanted = (candidate) => candidate.input.reference
    } else {
      found = await xero.getInvoicesByNumbers(product, unlinked.map((c) => c.input.invoiceNumber!).filter(Boolean))
      keyOf = (invoice) => invoice.invoiceNumber
      wanted = (candidate) => candidate.input.invoiceNumber
    }
    const byKey = new Map<string, XeroInvoice[]>()
    for (const invoice of found) {
      const key = keyOf(invoice)
      if (invoice.type !== 'ACCREC' || !key || invoice.status === 'DELETED') continue
      byKey.set(key, [...(byKey.get(key) ?? []), invoice])
    }
    for (const candidate of unlinked) {
      const matches = byKey.get(wanted(candidate) ?? '') ?? []
      const match = matches.length === 1 ? matches[0] : matches.find((m) => m.total === candidate.input.total)
      if (match) {
        candidate.input.invoiceId = match.invoiceId
        candidate.foundBy = context.settings.numbering === 'xero' ? 'reference' : 'number'
      }
    }
  }

  /** Linked invoices Xero will no longer let us change (paid, voided, credited) fault with that reason. */
  private async updatable(
    product: Product,
    syncRunId: number,
    claim: Claim,
    xero: XeroGateway,
    linked: Candidate[],
    stats: PushStats
  ) {
    if (linked.length === 0) return []
    const current = new Map((await xero.getInvoicesByIds(product, linked.map((c) => c.input.invoiceId!))).map((i) => [i.invoiceId, i]))
    const allowed: Candidate[] = []
    for (const candidate of linked) {
      const invoice = current.get(candidate.input.invoiceId!)
      if (!invoice) {
        // Deleted in Xero: a new one is created; the link is replaced on success.
        delete candidate.input.invoiceId
        allowed.push(candidate)
        continue
      }
      const paid = Number(invoice.amountPaid) > 0
      const credited = Number(invoice.amountDue) < Number(invoice.total) && !paid
      if (LOCKED_STATUSES.has(invoice.status) || paid || credited) {
        const why = invoice.status === 'VOIDED' ? 'voided' : paid || invoice.status === 'PAID' ? 'paid' : credited ? 'has credit allocated' : invoice.status.toLowerCase()
        await this.fault(
          product,
          syncRunId,
          claim,
          candidate.record,
          `Xero invoice ${invoice.invoiceNumber ?? invoice.invoiceId} is ${why}, and Xero does not allow changing it: nothing was changed in Xero.`,
          'If the Autotask invoice really changed, credit it in Xero and issue a new one; otherwise skip this invoice.',
          stats
        )
        continue
      }
      allowed.push(candidate)
    }
    return allowed
  }

  private async record(
    product: Product,
    syncRunId: number,
    claim: Claim,
    candidates: Candidate[],
    results: XeroWriteResult<XeroInvoice>[],
    verb: 'created' | 'updated',
    stats: PushStats
  ) {
    for (const result of results) {
      const { record, foundBy } = candidates[result.index]
      if (!result.ok) {
        const message = result.messages.join(' ')
        await this.fault(product, syncRunId, claim, record, `Xero refused the invoice: ${message}`, hintFor(message), stats)
        continue
      }
      const invoice = result.value
      const how = foundBy ? `found in Xero by ${foundBy} and updated` : verb
      const done = await this.outcomes.synced(
        'invoice',
        product,
        syncRunId,
        claim,
        record,
        {
          xero_invoice_id: invoice.invoiceId,
          xero_invoice_number: invoice.invoiceNumber,
          xero_url: `${syncConfig.xeroInvoiceUrl}${invoice.invoiceId}`,
        },
        invoice.invoiceId,
        `Invoice ${record.invoiceNumber} ${how} in Xero as ${invoice.invoiceNumber ?? invoice.invoiceId} (${invoice.status}, total ${invoice.total})`,
        stats
      )
      if (!done) continue
      for (const note of candidates[result.index].notes ?? []) {
        await this.outcomes.log('invoice', product, syncRunId, record, 'warn', 'invoice.text_cut', `Invoice ${record.invoiceNumber}: ${note}`)
      }
      await Link.updateOrCreate(
        { productId: product.id, kind: 'invoice', autotaskId: record.autotaskId },
        { xeroId: invoice.invoiceId, xeroLabel: invoice.invoiceNumber }
      )
    }
  }

  private async fault(
    product: Product,
    syncRunId: number,
    claim: Claim,
    record: InvoiceRecord,
    reason: string,
    hint: string,
    stats: PushStats
  ) {
    await this.outcomes.fault('invoice', product, syncRunId, claim, record, reason, hint, stats)
  }
}

/** What to do about a Xero validation message, in a bookkeeper's words. */
export function hintFor(message: string) {
  if (/account code/i.test(message)) return 'Map the billing code to an active Xero account in Settings → Mappings, then resync.'
  if (/tax/i.test(message)) return 'Check the tax mapping in Settings → Mappings against Xero\'s tax rates, then resync.'
  if (/must be unique/i.test(message)) return 'Another Xero document already uses this number: renumber one of them, then resync.'
  if (/contact/i.test(message)) return 'Check the Xero contact linked to this company, then resync.'
  if (/total|line/i.test(message)) return 'The amounts do not add up for Xero: check the invoice lines in Autotask, then resync.'
  return 'Correct the invoice in Autotask or the mappings, then resync.'
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
