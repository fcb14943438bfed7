import { inject } from '@adonisjs/core'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import type { BillingItem } from '#integrations/autotask/types'
import {
  XERO_BATCH_LIMIT,
  XERO_MAX_REQUEST_BYTES,
  type XeroGateway,
  type XeroInvoice,
  type XeroInvoiceInput,
  type XeroWriteOptions,
  type XeroWriteResult,
} from '#integrations/xero/xero_gateway'
import InvoiceRecord from '#models/invoice_record'
import { toSqlDateTime } from '#models/columns'
import db from '@adonisjs/lucid/services/db'
import type Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import ClaimLoop from '#sync/claim_loop'
import type { RunContext } from '#sync/run_context'
import ContactResolver, {
  autotaskContactDetails,
  companyProblem,
  type ContactOutcome,
} from '#sync/contact_resolver'
import type { OutcomeBatch, PushStats } from '#sync/record_outcomes'
import {
  isMarkedFor,
  mapInvoice,
  numberFor,
  readInvoiceMarker,
  referenceFor,
  type MappingContext,
} from '#sync/invoice_mapper'
import { toRecord } from '#sync/invoice_discovery'
import { currencyProblem, type RunCurrencies } from '#sync/currencies'
import { cutBySize, megabytes } from '#sync/request_size'
import syncConfig from '#config/sync'
import { createHash } from 'node:crypto'

const LOCKED_STATUSES = new Set(['PAID', 'VOIDED', 'DELETED'])

/** How far along an editable Xero invoice is; an update never moves one back. */
const STATUS_ORDER = ['DRAFT', 'SUBMITTED', 'AUTHORISED']

/**
 * The status an update sends: ours, unless Xero's is further along (a bookkeeper
 * approved the draft), then Xero's. Xero refuses a move back ("Invoice status
 * cannot be changed from AUTHORISED to DRAFT"), and a person's approval stands.
 */
export function statusForUpdate<S extends string>(
  inXero: string,
  wanted: S | undefined
): S | undefined {
  const xeroRank = STATUS_ORDER.indexOf(inXero)
  const wantedRank = wanted === undefined ? -1 : STATUS_ORDER.indexOf(wanted)
  return xeroRank > wantedRank && wantedRank >= 0 ? (inXero as S) : wanted
}

/**
 * Why Xero no longer lets a linked invoice change (paid, voided, deleted, credit allocated), or null.
 */
export function lockedInXero(invoice: XeroInvoice) {
  const paid = Number(invoice.amountPaid) > 0
  const credited = Number(invoice.amountDue) < Number(invoice.total) && !paid
  if (!LOCKED_STATUSES.has(invoice.status) && !paid && !credited) return null
  const why =
    invoice.status === 'VOIDED'
      ? 'voided'
      : paid || invoice.status === 'PAID'
        ? 'paid'
        : credited
          ? 'has credit allocated'
          : invoice.status.toLowerCase()
  return {
    reason: `Xero invoice ${invoice.invoiceNumber ?? invoice.invoiceId} is ${why}, and Xero does not allow changing it: nothing was changed in Xero.`,
    hint: 'If the Autotask invoice really changed, credit it in Xero and issue a new one; otherwise skip this invoice.',
  }
}

interface Candidate {
  record: InvoiceRecord
  input: XeroInvoiceInput
  /** how the Xero invoice was found when it was not linked yet */
  foundBy?: string
  /** what the mapping had to change (text cut to Xero's limits), logged once it is in Xero */
  notes?: string[]
  uncoded?: string[]
  untracked?: string[]
  /** the status we would have sent, when Xero's was further along and kept */
  statusNotSent?: string
}

type InvoiceWrite = (
  inputs: XeroInvoiceInput[],
  options: XeroWriteOptions
) => Promise<XeroWriteResult<XeroInvoice>[]>

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
    protected loop: ClaimLoop,
    protected contacts: ContactResolver
  ) {}

  /**
   * Pushes every due invoice of the run's product, through the shared
   * claim-and-commit loop (ClaimLoop: its failure policy, its lanes).
   */
  async run(context: RunContext, downloaded: ReadonlySet<number>, lanes = 1): Promise<PushStats> {
    const { xero, autotask, mapping } = context
    return this.loop.run(
      context,
      {
        kind: 'invoice',
        only: (query) => {
          // Negative invoices are the credit-note push's when the product turns credit notes on (it runs beside this one).
          if (context.product.effectiveSettings.creditNotes) query.where('total', '>=', 0)
          return context.feed ? context.feed.narrow(query) : query
        },
        load: (ids) => InvoiceRecord.query().whereIn('id', ids).orderBy('id'),
        push: (batch, records) =>
          this.pushBatch(batch, records, autotask, xero, mapping, downloaded, context.contacts),
        onBatch: (stats) => {
          // The credit notes, pushed before, are counted in too.
          context.stats.invoicesSynced = stats.synced + (context.stats.creditNotesSynced ?? 0)
          context.stats.invoicesFaulted = stats.faulted
          context.progress('push')
        },
      },
      lanes
    )
  }

  /**
   * Every company of the invoices waiting (negative ones, the credit notes, too), linked to its Xero
   * contact before the first batch of either push, into `context.contacts`: on a first sync that is one
   * read of the contact list and a create per fifty companies, instead of look-ups batch after batch.
   */
  async resolveContactsAhead(context: RunContext) {
    const { product, xero, autotask } = context
    const currencies = context.mapping.currencies
    const rows = await db
      .from('invoice_records')
      .where('product_id', product.id)
      .where('status', 'pending')
      .whereNotNull('invoice_number')
      // Never a company Autotask did not name (see companyProblem): its invoices fault instead.
      .whereNotNull('autotask_company_id')
      .whereNotNull('company_name')
      .distinct('autotask_company_id', 'company_name', 'currency', 'autotask_currency_id')
    const pending = rows.map((row) => ({
      ...row,
      autotaskCurrencyId:
        row.autotask_currency_id === null ? null : Number(row.autotask_currency_id),
    }))
    await currencies?.prepare(pending)
    // Nor one whose invoices cannot go in their currency: they fault in their batch, no contact created.
    const companies = pending.filter((row) => !currencyProblem(row, 'invoice', currencies))
    if (companies.length === 0) return
    await this.contacts.resolve(
      product,
      xero,
      [
        ...new Map(
          companies.map((row) => [Number(row.autotask_company_id), row.company_name as string])
        ),
      ].map(([id, name]) => ({ id, name })),
      context.run.id,
      { known: context.contacts, details: autotaskContactDetails(autotask) }
    )
  }

  private async pushBatch(
    batch: OutcomeBatch,
    claimed: InvoiceRecord[],
    autotask: AutotaskClient,
    xero: XeroGateway,
    context: MappingContext,
    downloaded: ReadonlySet<number>,
    known: Map<number, ContactOutcome>
  ) {
    const { product, claim } = batch
    // Only these may already be in Xero without our link: tried before (a time-out, a dead worker) or resynced.
    // Read before the refresh, which clears both marks.
    const mayExist = new Set(
      claimed.filter((r) => r.attempts > 0 || r.needsRefresh).map((r) => r.id)
    )
    // A person asked for these again: Xero must not answer with the answer to an earlier send of the same payload.
    const resynced = claimed.some((r) => r.needsRefresh)
    const keyFor = (op: string, sent: Candidate[]) =>
      batchKey(
        op,
        product,
        sent.map((c) => c.input),
        resynced ? claim.token : ''
      )
    const { current, deleted } = await this.refreshFromAutotask(
      batch,
      claimed,
      autotask,
      downloaded,
      context.currencies!
    )
    await this.settleDeleted(batch, deleted, xero, context, mayExist)

    // Before any Xero write (a contact created): a currency the organisation has not enabled faults here.
    await context.currencies?.prepare(current)
    const records: InvoiceRecord[] = []
    for (const record of current) {
      const problem =
        companyProblem(record) ?? currencyProblem(record, 'invoice', context.currencies)
      if (problem) batch.fault(record, problem.reason, problem.hint)
      else records.push(record)
    }
    const contacts = await this.contacts.resolve(
      product,
      xero,
      records.map((record) => ({ id: record.autotaskCompanyId!, name: record.companyName! })),
      batch.syncRunId,
      { known, details: autotaskContactDetails(autotask) }
    )

    const candidates: Candidate[] = []
    for (const record of records) {
      const contact = contacts.get(record.autotaskCompanyId!)
      if (!contact || !contact.ok) {
        batch.fault(
          record,
          contact?.reason ?? 'No Xero contact was found for the company.',
          contact?.hint ?? 'Check the company in Autotask, then resync.'
        )
        continue
      }
      const mapped = mapInvoice(record, contact.contactId, context)
      if (!mapped.ok) {
        batch.fault(record, mapped.reason, mapped.hint)
        continue
      }
      candidates.push({
        record,
        input: mapped.input,
        notes: mapped.notes,
        uncoded: mapped.uncoded,
        untracked: mapped.untracked,
      })
    }

    await this.findUnlinkedInXero(batch, xero, candidates, context, mayExist)
    const open = candidates.filter((c) => !batch.has(c.record))
    const updates = await this.updatable(
      batch,
      xero,
      open.filter((c) => c.input.invoiceId)
    )
    const creates = open.filter((c) => !c.input.invoiceId)

    const update: InvoiceWrite = (inputs, options) =>
      xero.updateInvoices(xeroConnectionOf(product), inputs, options)
    if (updates.length) {
      const { sent, results } = await this.write(
        batch,
        xero,
        updates,
        keyFor('update', updates),
        update
      )
      this.settleWrites(batch, sent, results, 'updated')
    }
    if (creates.length) {
      const create: InvoiceWrite = (inputs, options) =>
        xero.createInvoices(xeroConnectionOf(product), inputs, options)
      const { sent, results } = await this.write(
        batch,
        xero,
        creates,
        keyFor('create', creates),
        create
      )
      // "Invoice # must be unique": typed into Xero by hand meanwhile; found by number, linked and updated instead.
      const taken = results.filter(
        (r) => !r.ok && r.messages.some((m) => /must be unique/i.test(m))
      )
      const takenCandidates = taken.map((r) => sent[r.index])
      this.settleWrites(
        batch,
        sent,
        results.filter((r) => !taken.includes(r)),
        'created'
      )
      if (takenCandidates.length && context.settings.numbering !== 'xero') {
        await this.findUnlinkedInXero(
          batch,
          xero,
          takenCandidates,
          context,
          new Set(takenCandidates.map((c) => c.record.id))
        )
        const relinked = takenCandidates.filter((c) => c.input.invoiceId && !batch.has(c.record))
        const found = await this.updatable(batch, xero, relinked)
        for (const candidate of takenCandidates.filter(
          (c) => !c.input.invoiceId && !batch.has(c.record)
        )) {
          batch.fault(
            candidate.record,
            `Xero refused the invoice: Invoice # must be unique.`,
            hintFor('must be unique')
          )
        }
        if (found.length) {
          const again = await this.write(batch, xero, found, keyFor('relink', found), update)
          this.settleWrites(batch, again.sent, again.results, 'updated')
        }
      } else {
        for (const candidate of takenCandidates) {
          batch.fault(
            candidate.record,
            `Xero refused the invoice: Invoice # must be unique.`,
            hintFor('must be unique')
          )
        }
      }
    }
  }

  /**
   * Writes in requests Xero accepts: at most 50 invoices and 3.5 MB of body
   * each (an invoice of thousands of lines goes alone). One over the limit even
   * alone faults with the reason and is not sent. Results come back indexed in
   * `sent`; each request has its own Idempotency-Key.
   */
  private async write(
    batch: OutcomeBatch,
    xero: XeroGateway,
    candidates: Candidate[],
    key: string,
    send: InvoiceWrite
  ) {
    const emptyBytes = xero.invoiceRequestBytes([])
    const { requests, tooLarge } = cutBySize(
      candidates,
      (c) => xero.invoiceRequestBytes([c.input]) - emptyBytes,
      {
        emptyBytes,
        maxBytes: XERO_MAX_REQUEST_BYTES,
        maxCount: XERO_BATCH_LIMIT,
      }
    )
    for (const { item, bytes } of tooLarge) {
      batch.fault(
        item.record,
        `The invoice is too large for Xero: it makes a request of ${megabytes(bytes)}, ` +
          `and Xero accepts at most ${megabytes(XERO_MAX_REQUEST_BYTES)} in one request.`,
        'Split it into smaller invoices in Autotask (fewer lines, or shorter descriptions), then resync.'
      )
    }
    const sent: Candidate[] = []
    const results: XeroWriteResult<XeroInvoice>[] = []
    for (const [part, request] of requests.entries()) {
      const idempotencyKey = requests.length > 1 ? `${key}:${part + 1}` : key
      const answers = await batch.waitOutRateLimits(() =>
        send(
          request.map((c) => c.input),
          { idempotencyKey }
        )
      )
      results.push(...answers.map((answer) => ({ ...answer, index: answer.index + sent.length })))
      sent.push(...request)
    }
    return { sent, results }
  }

  /**
   * Our copy is checked against Autotask unless this run downloaded it: one that
   * waited (a paused product, a retry, an earlier run) may have been deleted
   * meanwhile, and a resynced one is downloaded again in full. One call for the
   * batch, and one for the lines of resynced ones (plus one for their companies);
   * invoices downloaded by this run cost none.
   */
  private async refreshFromAutotask(
    batch: OutcomeBatch,
    records: InvoiceRecord[],
    autotask: AutotaskClient,
    downloaded: ReadonlySet<number>,
    currencies: RunCurrencies
  ) {
    return refreshFromAutotask(
      batch.product,
      records,
      autotask,
      downloaded,
      currencies,
      (record, message) => batch.log(record, 'info', 'invoice.refreshed', message)
    )
  }

  /**
   * Invoices deleted in Autotask before their push. One that never reached Xero
   * is skipped with the reason: nothing is left to do. One that Xero holds
   * (linked, or found there after an earlier try) faults: Xero has a document
   * Autotask no longer has, and a person decides what becomes of it.
   */
  private async settleDeleted(
    batch: OutcomeBatch,
    deleted: InvoiceRecord[],
    xero: XeroGateway,
    context: MappingContext,
    mayExist: Set<number>
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
    const mayBeInXero = candidates.filter(
      (c) => c.record.xeroInvoiceId || mayExist.has(c.record.id)
    )
    await this.findUnlinkedInXero(batch, xero, mayBeInXero, context, mayExist)
    for (const { record, input } of candidates) {
      if (batch.has(record)) continue
      if (!input.invoiceId) {
        batch.skipped(record, 'The invoice was deleted in Autotask before it reached Xero.')
        continue
      }
      const inXero = record.xeroInvoiceNumber ?? (record.xeroInvoiceId ? null : input.invoiceNumber)
      batch.fault(
        record,
        'The invoice no longer exists in Autotask.',
        `It was deleted in Autotask, but Xero holds it${inXero ? ` as ${inXero}` : ''}: void it in Xero if it should go, then skip it here.`
      )
    }
  }

  /**
   * Unlinked invoices that may already be in Xero (a crash or time-out after
   * Xero answered, a resync, or with Xero's numbering anything) are looked up
   * by number or reference, and linked instead of created again.
   */
  private async findUnlinkedInXero(
    batch: OutcomeBatch,
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
      (c) =>
        !c.input.invoiceId && (context.settings.numbering === 'xero' || mayExist.has(c.record.id))
    )
    if (unlinked.length === 0) return
    const byReference = context.settings.numbering === 'xero'
    let found: XeroInvoice[]
    if (byReference) {
      const references = [
        ...new Set(unlinked.map((c) => c.input.reference).filter((r): r is string => Boolean(r))),
      ]
      found = []
      for (let start = 0; start < references.length; start += 25) {
        const where = references
          .slice(start, start + 25)
          .map((reference) => `Reference=="${reference.replace(/["\\]/g, '')}"`)
          .join(' OR ')
        // A PO number many invoices share can fill a page: read on until one is not full.
        for (let page = 1; ; page++) {
          const invoices = await batch.waitOutRateLimits(() =>
            xero.findInvoices(xeroConnectionOf(batch.product), where, page)
          )
          found.push(...invoices)
          if (invoices.length < 100) break
        }
      }
    } else {
      const numbers = unlinked.map((c) => c.input.invoiceNumber!).filter(Boolean)
      found = await batch.waitOutRateLimits(() =>
        xero.getInvoicesByNumbers(xeroConnectionOf(batch.product), numbers)
      )
    }
    const byKey = new Map<string, XeroInvoice[]>()
    for (const invoice of found) {
      const key = byReference ? invoice.reference : invoice.invoiceNumber
      if (invoice.type !== 'ACCREC' || !key || invoice.status === 'DELETED') continue
      byKey.set(key, [...(byKey.get(key) ?? []), invoice])
    }
    for (const candidate of unlinked) {
      const wanted = byReference ? candidate.input.reference : candidate.input.invoiceNumber
      const outcome = sameInvoice(candidate, byKey.get(wanted ?? '') ?? [], byReference)
      if (outcome.match) {
        candidate.input.invoiceId = outcome.match.invoiceId
        candidate.foundBy = byReference ? 'reference' : 'number'
      } else if (outcome.ambiguous) {
        const labels = outcome.ambiguous.map((i) => i.invoiceNumber ?? i.invoiceId).join(', ')
        batch.fault(
          candidate.record,
          `Xero holds ${outcome.ambiguous.length} invoices that could be this one (${labels}): ` +
            'none was linked and nothing was created.',
          'Delete or void the copies that are not this invoice in Xero (or give them another reference), then resync.'
        )
      }
    }
  }

  /**
   * Linked invoices Xero will no longer let us change (paid, voided, credited)
   * fault with that reason. The others keep Xero's status when it is further
   * along than ours.
   */
  private async updatable(batch: OutcomeBatch, xero: XeroGateway, linked: Candidate[]) {
    if (linked.length === 0) return []
    const ids = linked.map((c) => c.input.invoiceId!)
    const current = new Map(
      (
        await batch.waitOutRateLimits(() =>
          xero.getInvoicesByIds(xeroConnectionOf(batch.product), ids)
        )
      ).map((i) => [i.invoiceId, i])
    )
    const allowed: Candidate[] = []
    for (const candidate of linked) {
      const invoice = current.get(candidate.input.invoiceId!)
      if (!invoice) {
        // Deleted in Xero: a new one is created; the link is replaced on success.
        delete candidate.input.invoiceId
        allowed.push(candidate)
        continue
      }
      const locked = lockedInXero(invoice)
      if (locked) {
        batch.fault(candidate.record, locked.reason, locked.hint)
        continue
      }
      const status = statusForUpdate(invoice.status, candidate.input.status)
      if (status !== candidate.input.status) {
        candidate.statusNotSent = candidate.input.status
        candidate.input.status = status
      }
      allowed.push(candidate)
    }
    return allowed
  }

  /** Turns Xero's answer to one write into outcomes: each invoice synced (with its Xero id) or faulted. */
  private settleWrites(
    batch: OutcomeBatch,
    candidates: Candidate[],
    results: XeroWriteResult<XeroInvoice>[],
    verb: 'created' | 'updated'
  ) {
    for (const result of results) {
      const { record, foundBy } = candidates[result.index]
      if (!result.ok) {
        const message = result.messages.join(' ')
        batch.fault(record, `Xero refused the invoice: ${message}`, hintFor(message))
        continue
      }
      const invoice = result.value
      const how = foundBy ? `found in Xero by ${foundBy} and updated` : verb
      // Ours when this write made it (a PUT, or a POST without an id for one deleted in Xero): Xero's own
      // time of it lets the payments check find its payments by what changed. Linked to one found there
      // (by number, reference, "must be unique"): not known to be ours, asked by id.
      const created = !foundBy && !candidates[result.index].input.invoiceId
      const sameLink = record.xeroInvoiceId?.toLowerCase() === invoice.invoiceId.toLowerCase()
      const createdAt = created
        ? { xero_created_at: invoice.updatedAt ? toSqlDateTime(invoice.updatedAt) : null }
        : sameLink
          ? {}
          : { xero_created_at: null }
      const { statusNotSent } = candidates[result.index]
      const kept = statusNotSent
        ? `; Xero's status ${invoice.status} kept, not moved back to ${statusNotSent}: it is further along in Xero`
        : ''
      for (const note of candidates[result.index].notes ?? [])
        batch.log(record, 'warn', 'invoice.text_cut', `Invoice ${record.invoiceNumber}: ${note}`)
      for (const line of candidates[result.index].uncoded ?? [])
        batch.log(
          record,
          'warn',
          'invoice.uncoded_line',
          `Invoice ${record.invoiceNumber}: ${line}`
        )
      for (const line of candidates[result.index].untracked ?? [])
        batch.log(
          record,
          'info',
          'invoice.untracked_line',
          `Invoice ${record.invoiceNumber}: ${line}`
        )
      const label = invoice.invoiceNumber ?? invoice.invoiceId
      batch.synced(
        record,
        {
          xero_invoice_id: invoice.invoiceId,
          xero_invoice_number: invoice.invoiceNumber,
          xero_url: `${syncConfig.xeroInvoiceUrl}${invoice.invoiceId}`,
          ...createdAt,
        },
        { kind: 'invoice', xeroId: invoice.invoiceId, xeroLabel: invoice.invoiceNumber },
        `Invoice ${record.invoiceNumber} ${how} in Xero as ${label} (${invoice.status}, total ${invoice.total})${kept}`
      )
    }
  }
}

/**
 * Which of the Xero invoices found by number or reference is this Autotask invoice. One carrying our
 * marker for it is it (copies of it, from a write that arrived late, are left to the orphan reconciler);
 * one marked for another invoice never is. An unmarked one (typed by hand, or sent before markers) found
 * by number is it, Xero's numbers being unique; found by a reference, which invoices share, it must also
 * have the same contact, date and total, and two such are ambiguous.
 */
function sameInvoice(
  candidate: Candidate,
  found: XeroInvoice[],
  byReference: boolean
): { match?: XeroInvoice; ambiguous?: XeroInvoice[] } {
  const marked = found.filter((invoice) => isMarkedFor(invoice.url, candidate.record))
  if (marked.length > 0) return { match: marked.sort(keepFirst)[0] }
  const unmarked = found.filter((invoice) => readInvoiceMarker(invoice.url) === null)
  if (!byReference) return unmarked.length === 1 ? { match: unmarked[0] } : {}
  const { input } = candidate
  const verified = unmarked.filter(
    (invoice) =>
      invoice.contactId === input.contact.contactId &&
      invoice.date === input.date &&
      invoice.total === input.total
  )
  if (verified.length > 1) return { ambiguous: verified }
  return verified.length === 1 ? { match: verified[0] } : {}
}

/** Of several copies, the one to keep: one with money on it (it cannot be removed), else Xero's first. */
function keepFirst(a: XeroInvoice, b: XeroInvoice) {
  const moneyOn = (invoice: XeroInvoice) =>
    Number(invoice.amountDue) < Number(invoice.total) ? 0 : 1
  const byNumber = (a.invoiceNumber ?? '').localeCompare(b.invoiceNumber ?? '', 'en', {
    numeric: true,
  })
  return moneyOn(a) - moneyOn(b) || byNumber
}

/**
 * A batch write's Idempotency-Key, a function of what it writes: the same invoices in the same state give
 * the same key whichever worker sends them, so a stalled send that reaches Xero after another worker sent
 * the same batch gets that send's answer instead of making copies. `salt` sets a person's resync apart.
 */
export function batchKey(op: string, product: Product, inputs: readonly unknown[], salt = '') {
  const payload = JSON.stringify([product.xeroTenantId, op, salt, inputs])
  const digest = createHash('sha256').update(payload).digest('base64url')
  return `invoices:${op}:${digest}`
}

/** What to do about a Xero validation message, in a bookkeeper's words. */
export function hintFor(message: string) {
  if (/account code/i.test(message))
    return 'Map the billing code to an active Xero account in Settings → Mappings, then resync.'
  if (/tax/i.test(message))
    return "Check the tax mapping in Settings → Mappings against Xero's tax rates, then resync."
  if (/contact/i.test(message)) return 'Check the Xero contact linked to this company, then resync.'
  if (/must be unique/i.test(message))
    return 'Another Xero document already uses this number: renumber one of them, then resync.'
  if (/total|line/i.test(message))
    return 'The amounts do not add up for Xero: check the invoice lines in Autotask, then resync.'
  return 'Correct the invoice in Autotask or the mappings, then resync.'
}

/**
 * Our copy is checked against Autotask unless this run downloaded it: one that
 * waited (a paused product, a retry, an earlier run) may have been deleted
 * meanwhile, and a resynced one is downloaded again in full. One call for the
 * batch, and one for the lines of resynced ones (plus their company, when it
 * changed or was not found before); invoices downloaded by this run cost none.
 */
export async function refreshFromAutotask(
  product: Product,
  records: InvoiceRecord[],
  autotask: AutotaskClient,
  downloaded: ReadonlySet<number>,
  currencies: RunCurrencies,
  refreshed: (record: InvoiceRecord, message: string) => void
): Promise<{ current: InvoiceRecord[]; deleted: InvoiceRecord[] }> {
  const stale = new Set(
    records.filter((record) => record.needsRefresh || !downloaded.has(record.autotaskId))
  )
  if (stale.size === 0) return { current: records, deleted: [] }
  const invoices = await autotask.invoicesByIds([...stale].map((record) => record.autotaskId))
  const resynced = [...stale].filter(
    (record) => record.needsRefresh && invoices.has(record.autotaskId)
  )
  // Their companies are read again: a name or (Multi-currency) a currency may have changed.
  const newCompanies = resynced.map((record) => invoices.get(record.autotaskId)!.companyID)
  const [lines, companies] = await Promise.all([
    resynced.length
      ? autotask.billingItemsForInvoices(resynced.map((record) => record.autotaskId))
      : new Map<number, BillingItem[]>(),
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
        const company = companies.get(invoice.companyID)
        // A company Autotask did not return names no currency: the product's.
        const currency = await currencies.ofCompany(company)
        record.merge({
          ...toRecord(product, invoice, lines.get(invoice.id) ?? [], company, currency, knownName),
          needsRefresh: false,
          autotaskHtml: null,
        })
        await record.save()
        // The stored HTML copy may show the old invoice: the next "View originals" fetches it again.
        refreshed(
          record,
          `Invoice ${record.invoiceNumber} downloaded again from Autotask for the resync`
        )
      }
      current.push(record)
    }
  }
  return { current, deleted }
}
