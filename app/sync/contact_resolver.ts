import { createHash } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import lockManager from '@adonisjs/lock/services/main'
import syncConfig from '#config/sync'
import { inLanes } from '#sync/lanes'
import type { XeroContact, XeroContactInput, XeroGateway } from '#integrations/xero/xero_gateway'
import { XERO_BATCH_LIMIT } from '#integrations/xero/xero_gateway'
import Link from '#models/link'
import type Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import SyncLogService from '#services/sync_log_service'
import { waitingOutRateLimits } from '#sync/rate_limits'
import { fitText } from '#sync/text'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import { XeroError } from '#integrations/xero/errors'

export interface CompanyRef {
  id: number
  name: string
  number?: string | null
}

/** What a new Xero contact learns from Autotask: billing address, phone, the billing contact's e-mail. */
export type ContactDetails = Pick<
  XeroContactInput,
  'emailAddress' | 'firstName' | 'lastName' | 'address' | 'phone'
>

/** Looks up the details of companies about to become Xero contacts. */
export type ContactDetailsLookup = (companyIds: number[]) => Promise<Map<number, ContactDetails>>

/** The details Autotask holds for companies: the company's address and phone, its primary contact's e-mail and name. */
export function autotaskContactDetails(autotask: AutotaskClient): ContactDetailsLookup {
  return async (companyIds) => {
    const [companies, contacts] = await Promise.all([
      autotask.companiesByIds(companyIds),
      autotask.billingContacts(companyIds),
    ])
    const details = new Map<number, ContactDetails>()
    for (const id of companyIds) {
      const company = companies.get(id)
      const contact = contacts.get(id)
      const lines = [company?.address1, company?.address2].filter((line): line is string =>
        Boolean(line?.trim())
      )
      details.set(id, {
        emailAddress: usableEmail(contact?.emailAddress),
        firstName: contact?.firstName?.trim() || undefined,
        lastName: contact?.lastName?.trim() || undefined,
        phone: company?.phone?.trim() || undefined,
        address:
          lines.length || company?.city
            ? {
                lines,
                city: company?.city ?? undefined,
                region: company?.state ?? undefined,
                postalCode: company?.postalCode ?? undefined,
              }
            : undefined,
      })
    }
    return details
  }
}

/** sha256 of the details as Autotask gave them: a later sync sends them again only when this differs. */
function contactDetailsHash(details: ContactDetails | undefined) {
  const { emailAddress, firstName, lastName, phone, address } = details ?? {}
  return createHash('sha256')
    .update(JSON.stringify([emailAddress, firstName, lastName, phone, address]))
    .digest('hex')
}

/** The details worth sending: those Autotask has. */
function knownDetails(details: ContactDetails | undefined): ContactDetails {
  return Object.fromEntries(
    Object.entries(details ?? {}).filter(([, value]) => value !== undefined)
  ) as ContactDetails
}

/** Autotask's details where the Xero contact has none: what a person typed in Xero is never replaced. */
function missingDetails(contact: XeroContact, details: ContactDetails | undefined) {
  const missing: ContactDetails = {}
  if (!details) return missing
  if (!contact.emailAddress && details.emailAddress) {
    missing.emailAddress = details.emailAddress
    if (details.firstName) missing.firstName = details.firstName
    if (details.lastName) missing.lastName = details.lastName
  }
  if (!contact.phone && details.phone) missing.phone = details.phone
  if (!contact.address && details.address) missing.address = details.address
  return missing
}

/** Xero's EmailAddress holds at most 255 characters (xero_accounting.yaml, Contact); anything else is left out, not cut. */
function usableEmail(value: string | null | undefined) {
  const email = value?.trim()
  return email && email.length <= 255 && /^[^@\s]+@[^@\s]+$/.test(email) ? email : undefined
}

export type ContactOutcome =
  /** `name` and `how`: the Xero contact's name and how it was found (what a preview shows) */
  | { ok: true; contactId: string; name?: string; how?: string }
  | { ok: false; reason: string; hint: string }

/** Names compared the way people read them: case, spacing and invisible characters do not count. */
export function normaliseName(name: string) {
  return name
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\u2060\uFEFF\u00AD]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()
}

const quoteless = (text: string) => text.replace(/["\\]/g, '')

/** The contact id a dry run reports for a contact it would create. */
export const NEW_CONTACT = '(new contact)'

/** Xero's longest contact name (Contact.Name, maxLength 255 in its OpenAPI contract). */
export const MAX_CONTACT_NAME = 255

/**
 * Why an invoice cannot have a Xero contact, or null: it names no company, or
 * one Autotask did not return when the invoice was downloaded (merged away, or
 * hidden from the API user). Never guessed: the invoice would reach Xero under a
 * made-up contact.
 */
export function companyProblem(record: {
  autotaskCompanyId: number | null
  companyName: string | null
}) {
  if (record.autotaskCompanyId === null) {
    return {
      reason: 'The invoice has no company in Autotask.',
      hint: 'Check the invoice in Autotask: it must belong to a company. Then resync it here.',
    }
  }
  if (!record.companyName) {
    return {
      reason: `Autotask did not return the invoice's company (#${record.autotaskCompanyId}): it may have been merged or deleted, or the API user may not see it.`,
      hint: "Check the company in Autotask and the API user's access to it, then resync the invoice here.",
    }
  }
  return null
}

/**
 * The Idempotency-Key of a contact create: a function of the product, the run and
 * what it writes. A retry of the request gets Xero's first answer back instead of
 * a second contact; a later run (a resync after a person fixed a refusal in Xero)
 * is asked afresh, not answered the old refusal. 73 characters, under Xero's 128.
 */
export function contactsIdempotencyKey(
  productId: number,
  syncRunId: number | null,
  contacts: Partial<XeroContactInput>[]
) {
  return `contacts-${createHash('sha256')
    .update(JSON.stringify([productId, syncRunId, contacts]))
    .digest('hex')}`
}

/**
 * The lock on creating contacts in one Xero organisation, shared by every process (the lock store is
 * the database): two products on the same books, or two lanes of one product, never create one company
 * twice. Xero itself refuses a second contact of the same name ("The contact name … is already assigned
 * to another contact", xero_accounting.yaml, Contacts), which would fault the second one's invoices.
 * It lasts as long as a claim on a batch: a killed worker's lock frees itself when its claims do.
 */
const contactsLock = (product: Product) =>
  lockManager.createLock(
    `xero:contacts:${product.xeroTenantId ?? `product-${product.id}`}`,
    `${syncConfig.leaseSeconds}s`
  )

/** Companies looked up in Xero per request (the `where` clause stays short). */
const LOOKUP_CHUNK = 10

/** From this many unlinked companies on, reading the whole contact list is cheaper than looking them up. */
const LIST_FROM = 3 * LOOKUP_CHUNK

/**
 * Runs `look` over chunks of LOOKUP_CHUNK items, up to `xeroInFlight` chunks at once (the
 * organisation's budget paces the calls): a look-up round trip each, side by side, not one after another.
 */
async function inChunks<T>(items: T[], look: (chunk: T[]) => Promise<void>) {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += LOOKUP_CHUNK)
    chunks.push(items.slice(start, start + LOOKUP_CHUNK))
  const take = async () => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) await look(chunk)
  }
  await inLanes(Math.min(syncConfig.xeroInFlight, chunks.length), take)
}

/** Contacts per page when the whole list is read (Xero's maximum). */
const LIST_PAGE_SIZE = 1000

interface NewLink {
  company: CompanyRef
  contact: XeroContact
  how: string
  /** contactDetailsHash of the details sent to the contact, when some were */
  detailsHash?: string | null
}

/** What the engine would find in Xero for an unlinked company: nothing, one contact (linked), several (a fault). */
export type Match =
  | { kind: 'none' }
  | { kind: 'one'; contact: XeroContact; by: string }
  | { kind: 'many'; contacts: XeroContact[] }

/**
 * Autotask companies → Xero contacts, linked by id once and for ever. The first
 * time: Xero ContactNumber = Autotask company id (or AccountNumber = company
 * number), then a normalised name; else the contact is created (when the
 * product allows). More than one match is never guessed: it faults for a person.
 */
export default class ContactResolver {
  /**
   * With `dryRun` (Diagnostic Mode) nothing is linked or created: a new contact
   * is reported as `(new contact)`. `known` carries a run's earlier outcomes, so
   * a company that faulted is not looked up again in every batch.
   */
  async resolve(
    product: Product,
    xero: XeroGateway,
    companies: CompanyRef[],
    syncRunId: number | null,
    options: {
      dryRun?: boolean
      known?: Map<number, ContactOutcome>
      /** fills new contacts' address, phone and e-mail (without it they get name and number only) */
      details?: ContactDetailsLookup
    } = {}
  ) {
    const outcomes = new Map<number, ContactOutcome>()
    const known = options.known
    const unique = [...new Map(companies.map((company) => [company.id, company])).values()].filter(
      (company) => {
        const before = known?.get(company.id)
        if (before) outcomes.set(company.id, before)
        return !before
      }
    )
    if (unique.length === 0) return outcomes

    const links = await this.linked(product, unique, outcomes)
    const { updateContactDetails } = product.effectiveSettings
    if (!options.dryRun && updateContactDetails && options.details)
      await this.updateDetails(product, xero, links, unique, syncRunId, options.details)
    const unlinked = unique.filter((company) => !outcomes.has(company.id))
    if (unlinked.length && !options.dryRun) {
      // Another lane or worker may be creating the same contacts in this organisation right now: one
      // at a time, and whoever comes second finds the first one's links (or its contacts in Xero).
      // Past a lease's length of waiting it goes on unguarded, and Xero's unique names still hold.
      const lock = contactsLock(product)
      const held = await lock.acquire({
        retry: {
          attempts: Number.POSITIVE_INFINITY,
          delay: 200,
          timeout: `${syncConfig.leaseSeconds}s`,
        },
      })
      try {
        await this.linked(product, unlinked, outcomes)
        await this.matchOrCreate(
          product,
          xero,
          unlinked.filter((company) => !outcomes.has(company.id)),
          syncRunId,
          outcomes,
          options
        )
      } finally {
        if (held) await lock.release()
      }
    } else if (unlinked.length) {
      await this.matchOrCreate(product, xero, unlinked, syncRunId, outcomes, options)
    }
    if (options.known) for (const [id, outcome] of outcomes) options.known.set(id, outcome)
    return outcomes
  }

  /** The companies already linked to a Xero contact, their outcomes set in `outcomes`. */
  private async linked(
    product: Product,
    companies: CompanyRef[],
    outcomes: Map<number, ContactOutcome>
  ) {
    const links = await Link.query()
      .where('product_id', product.id)
      .where('kind', 'company_contact')
      .whereIn(
        'autotask_id',
        companies.map((company) => company.id)
      )
    for (const link of links)
      outcomes.set(Number(link.autotaskId), {
        ok: true,
        contactId: link.xeroId,
        name: link.xeroLabel ?? undefined,
        how: 'linked',
      })
    return links
  }

  /** Unlinked companies: matched to a Xero contact, else created (when the product allows), then linked. */
  private async matchOrCreate(
    product: Product,
    xero: XeroGateway,
    unlinked: CompanyRef[],
    syncRunId: number | null,
    outcomes: Map<number, ContactOutcome>,
    options: { dryRun?: boolean; details?: ContactDetailsLookup }
  ) {
    if (unlinked.length === 0) return
    const settings = product.effectiveSettings
    const toCreate: CompanyRef[] = []
    const matches = await this.match(product, xero, unlinked, settings.matchContactsByName)
    const matched: NewLink[] = []
    for (const company of unlinked) {
      const match = matches.get(company.id) ?? { kind: 'none' as const }
      if (match.kind === 'one') {
        matched.push({ company, contact: match.contact, how: `matched by ${match.by}` })
        outcomes.set(company.id, {
          ok: true,
          contactId: match.contact.contactId,
          name: match.contact.name,
          how: `matched by ${match.by}`,
        })
      } else if (match.kind === 'many') {
        outcomes.set(company.id, {
          ok: false,
          reason: `Company "${company.name}" matches ${match.contacts.length} Xero contacts (${match.contacts
            .map((c) => c.name)
            .slice(0, 5)
            .join(', ')}).`,
          hint: `Give the right Xero contact the contact number ${company.id}, then resync.`,
        })
      } else if (settings.createContacts && options.dryRun) {
        outcomes.set(company.id, {
          ok: true,
          contactId: NEW_CONTACT,
          name: fitText(company.name.trim(), MAX_CONTACT_NAME),
          how: 'to be created',
        })
      } else if (settings.createContacts) {
        toCreate.push(company)
      } else {
        outcomes.set(company.id, {
          ok: false,
          reason: `No Xero contact matches company "${company.name}".`,
          hint: `Create it in Xero with contact number ${company.id}, or allow contact creation in Settings, then resync.`,
        })
      }
    }

    if (!options.dryRun) {
      if (settings.fillLinkedContacts && options.details)
        await this.fillDetails(product, xero, matched, syncRunId, options.details)
      await this.link(product, matched, syncRunId)
    }
    for (const [id, outcome] of await this.create(
      product,
      xero,
      toCreate,
      syncRunId,
      options.details
    ))
      outcomes.set(id, outcome)
  }

  /**
   * Creates Xero contacts for these companies (≤50 a request) with their details, and links them.
   * Up to `xeroInFlight` requests at once (the organisation's budget paces them, Autotask's client its
   * own calls); each lane reads its next batch's details from Autotask while its write is in flight.
   * A failure lets the writes in flight end (and link what they created), starts no other, and is thrown.
   */
  async create(
    product: Product,
    xero: XeroGateway,
    companies: CompanyRef[],
    syncRunId: number | null,
    lookup?: ContactDetailsLookup,
    actor = 'engine'
  ) {
    const outcomes = new Map<number, ContactOutcome>()
    const batches: CompanyRef[][] = []
    for (let start = 0; start < companies.length; start += XERO_BATCH_LIMIT)
      batches.push(companies.slice(start, start + XERO_BATCH_LIMIT))
    let failed = false
    const take = () => (failed ? undefined : batches.shift())
    const read = (batch: CompanyRef[]) => {
      const details = lookup
        ? lookup(batch.map((company) => company.id))
        : Promise.resolve(new Map<number, ContactDetails>())
      // Awaited when its turn comes; until then a failure must not count as unhandled.
      details.catch(() => {})
      return details
    }
    const lane = async () => {
      let batch = take()
      let details = batch && read(batch)
      while (batch && details) {
        try {
          const known = await details
          if (failed) return
          const following = take()
          const followingDetails = following && read(following)
          await this.createBatch(product, xero, batch, known, syncRunId, lookup, actor, outcomes)
          batch = following
          details = followingDetails
        } catch (error) {
          failed = true
          throw error
        }
      }
    }
    await inLanes(Math.min(syncConfig.xeroInFlight, batches.length), lane)
    return outcomes
  }

  /** One PUT /Contacts of up to 50 companies, their outcomes set in `outcomes`, the created ones linked. */
  private async createBatch(
    product: Product,
    xero: XeroGateway,
    batch: CompanyRef[],
    details: Map<number, ContactDetails>,
    syncRunId: number | null,
    lookup: ContactDetailsLookup | undefined,
    actor: string,
    outcomes: Map<number, ContactOutcome>
  ) {
    const inputs: XeroContactInput[] = batch.map((company) => ({
      name: fitText(company.name.trim(), MAX_CONTACT_NAME),
      contactNumber: String(company.id),
      accountNumber: company.number ?? undefined,
      ...knownDetails(details.get(company.id)),
    }))
    const idempotencyKey = contactsIdempotencyKey(product.id, syncRunId, inputs)
    const results = await waitingOutRateLimits(() =>
      xero.createContacts(xeroConnectionOf(product), inputs, { idempotencyKey })
    )
    const created: NewLink[] = []
    for (const result of results) {
      const company = batch[result.index]
      if (result.ok) {
        created.push({
          company,
          contact: result.value,
          how: 'created in Xero',
          detailsHash: lookup ? contactDetailsHash(details.get(company.id)) : null,
        })
        outcomes.set(company.id, {
          ok: true,
          contactId: result.value.contactId,
          name: result.value.name,
          how: 'created in Xero',
        })
      } else {
        outcomes.set(company.id, {
          ok: false,
          reason: `Xero refused to create contact "${company.name}": ${result.messages.join(' ')}`,
          hint: 'If the contact exists under another number, give it the contact number of the Autotask company, then resync.',
        })
      }
    }
    await this.link(product, created, syncRunId, actor)
  }

  /** Links a company to a contact a person chose (the contact report's Link), filling details when the product says so. */
  async linkChosen(
    product: Product,
    xero: XeroGateway,
    company: CompanyRef,
    contact: XeroContact,
    actor: string,
    lookup?: ContactDetailsLookup
  ) {
    const chosen: NewLink[] = [{ company, contact, how: `chosen by ${actor}` }]
    if (product.effectiveSettings.fillLinkedContacts && lookup)
      await this.fillDetails(product, xero, chosen, null, lookup)
    await this.link(product, chosen, null, actor)
  }

  /**
   * Matched contacts get Autotask's address, phone and e-mail where their own are empty;
   * the hash of Autotask's details is kept on the link (`detailsHash` of each entry).
   */
  private async fillDetails(
    product: Product,
    xero: XeroGateway,
    matched: NewLink[],
    syncRunId: number | null,
    lookup: ContactDetailsLookup
  ) {
    if (matched.length === 0) return
    const details = await lookup(matched.map((entry) => entry.company.id))
    const wanted = matched.flatMap((entry) => {
      entry.detailsHash = contactDetailsHash(details.get(entry.company.id))
      const missing = missingDetails(entry.contact, details.get(entry.company.id))
      return Object.keys(missing).length
        ? [{ entry, input: { contactId: entry.contact.contactId, ...missing } }]
        : []
    })
    const refused = await this.sendUpdates(product, xero, wanted, syncRunId, 'filled')
    for (const entry of refused) entry.detailsHash = null
  }

  /** Linked contacts whose Autotask details changed since they were last sent get them again. */
  private async updateDetails(
    product: Product,
    xero: XeroGateway,
    links: Link[],
    companies: CompanyRef[],
    syncRunId: number | null,
    lookup: ContactDetailsLookup
  ) {
    if (links.length === 0) return
    const byId = new Map(companies.map((company) => [company.id, company]))
    const details = await lookup(links.map((link) => Number(link.autotaskId)))
    const wanted = links.flatMap((link) => {
      const company = byId.get(Number(link.autotaskId))
      const known = knownDetails(details.get(Number(link.autotaskId)))
      const hash = contactDetailsHash(details.get(Number(link.autotaskId)))
      if (!company || hash === link.detailsHash || Object.keys(known).length === 0) return []
      return [{ entry: { company, link, hash }, input: { contactId: link.xeroId, ...known } }]
    })
    const refused = new Set(await this.sendUpdates(product, xero, wanted, syncRunId, 'updated'))
    for (const { entry } of wanted) {
      if (refused.has(entry)) continue
      entry.link.detailsHash = entry.hash
      await entry.link.save()
    }
  }

  /**
   * POST /Contacts, 50 a request; each change is logged. Returns the entries Xero refused (logged as
   * warnings: a contact's details never hold back its invoices).
   */
  private async sendUpdates<T extends { company: CompanyRef }>(
    product: Product,
    xero: XeroGateway,
    wanted: { entry: T; input: Partial<XeroContactInput> & { contactId: string } }[],
    syncRunId: number | null,
    how: 'filled' | 'updated'
  ) {
    const refused: T[] = []
    for (let start = 0; start < wanted.length; start += XERO_BATCH_LIMIT) {
      const batch = wanted.slice(start, start + XERO_BATCH_LIMIT)
      const inputs = batch.map((item) => item.input)
      const idempotencyKey = contactsIdempotencyKey(product.id, syncRunId, inputs)
      let results
      try {
        results = await waitingOutRateLimits(() =>
          xero.updateContacts(xeroConnectionOf(product), inputs, { idempotencyKey })
        )
      } catch (error) {
        if (!(error instanceof XeroError)) throw error
        results = batch.map((_, index) => ({
          ok: false as const,
          index,
          messages: [error.message],
        }))
      }
      await SyncLogService.insert(
        results.map((result) => {
          const { entry, input } = batch[result.index]
          const fields = detailNames(input)
          if (!result.ok) refused.push(entry)
          return {
            productId: product.id,
            syncRunId,
            autotaskId: entry.company.id,
            level: result.ok ? ('info' as const) : ('warn' as const),
            event: result.ok ? `contact.details_${how}` : 'contact.details_refused',
            message: result.ok
              ? `Xero contact of company "${entry.company.name}" (#${entry.company.id}) ${how}: ${fields}`
              : `Xero refused the ${fields} of company "${entry.company.name}" (#${entry.company.id}): ${result.messages.join(' ')}`,
            actor: 'engine',
          }
        })
      )
    }
    return refused
  }

  /**
   * Looks companies up in Xero a chunk at a time (one `where` with ORs per
   * chunk): first by number, then, for those still unmatched, by name.
   * The contact report asks it too, so it says what the engine would do.
   */
  async match(product: Product, xero: XeroGateway, companies: CompanyRef[], byName: boolean) {
    if (companies.length >= LIST_FROM) {
      const listed = await this.matchInList(product, xero, companies, byName)
      if (listed) return listed
    }
    const results = new Map<number, Match>()
    const find = (where: string) =>
      waitingOutRateLimits(() => xero.findContacts(xeroConnectionOf(product), where))
    await inChunks(companies, async (chunk) => {
      const where = chunk
        .map((company) => {
          const account = company.number ? ` OR AccountNumber=="${quoteless(company.number)}"` : ''
          return `ContactNumber=="${company.id}"${account}`
        })
        .join(' OR ')
      const found = await find(where)
      for (const company of chunk) {
        const same = found.filter(
          (contact) =>
            contact.contactNumber === String(company.id) ||
            (company.number && contact.accountNumber === company.number)
        )
        if (same.length === 1)
          results.set(company.id, { kind: 'one', contact: same[0], by: 'number' })
        else if (same.length > 1) results.set(company.id, { kind: 'many', contacts: same })
      }
    })
    if (!byName) return results

    const byToken = companies
      .filter((company) => !results.has(company.id))
      .map((company) => {
        const wanted = normaliseName(company.name)
        const token = quoteless(wanted.split(' ').sort((a, b) => b.length - a.length)[0] ?? '')
        return { company, wanted, token }
      })
      .filter((entry) => entry.token)
    await inChunks(byToken, async (chunk) => {
      const where = [...new Set(chunk.map((entry) => entry.token))]
        .map((token) => `Name.ToLower().Contains("${token}")`)
        .join(' OR ')
      const candidates = await find(where)
      for (const { company, wanted } of chunk) {
        const same = candidates.filter(
          (contact) => normaliseName(contact.name) === wanted && contact.status !== 'ARCHIVED'
        )
        if (same.length === 1)
          results.set(company.id, { kind: 'one', contact: same[0], by: 'name' })
        else if (same.length > 1) results.set(company.id, { kind: 'many', contacts: same })
      }
    })
    return results
  }

  /**
   * Many companies at once (a first sync): the organisation's contacts are read
   * a thousand a page and matched here, by the same rules as the look-ups.
   * Gives up (null) when the list has more pages than the look-ups would cost.
   */
  private async matchInList(
    product: Product,
    xero: XeroGateway,
    companies: CompanyRef[],
    byName: boolean
  ) {
    const affordable = Math.ceil(companies.length / LOOKUP_CHUNK) * (byName ? 2 : 1)
    const contacts: XeroContact[] = []
    for (let page = 1; ; page++) {
      const answer = await waitingOutRateLimits(() =>
        xero.listContacts(xeroConnectionOf(product), page, LIST_PAGE_SIZE)
      )
      contacts.push(...answer.contacts)
      if (page >= answer.pageCount || answer.contacts.length < LIST_PAGE_SIZE) break
      if (answer.pageCount > affordable) return null
    }
    const byNumber = new Map<string, XeroContact[]>()
    const byAccount = new Map<string, XeroContact[]>()
    const byNormalName = new Map<string, XeroContact[]>()
    const add = (
      map: Map<string, XeroContact[]>,
      key: string | null | undefined,
      contact: XeroContact
    ) => {
      if (key) map.set(key, [...(map.get(key) ?? []), contact])
    }
    for (const contact of contacts) {
      add(byNumber, contact.contactNumber, contact)
      add(byAccount, contact.accountNumber, contact)
      if (contact.status !== 'ARCHIVED') add(byNormalName, normaliseName(contact.name), contact)
    }
    const results = new Map<number, Match>()
    for (const company of companies) {
      const same = [
        ...new Set([
          ...(byNumber.get(String(company.id)) ?? []),
          ...(company.number ? (byAccount.get(company.number) ?? []) : []),
        ]),
      ]
      const named =
        byName && same.length === 0 ? (byNormalName.get(normaliseName(company.name)) ?? []) : []
      const found = same.length ? same : named
      if (found.length === 1)
        results.set(company.id, {
          kind: 'one',
          contact: found[0],
          by: same.length ? 'number' : 'name',
        })
      else if (found.length > 1) results.set(company.id, { kind: 'many', contacts: found })
    }
    return results
  }

  /** The links and their log lines, in one transaction. */
  private async link(
    product: Product,
    links: NewLink[],
    syncRunId: number | null,
    actor = 'engine'
  ) {
    if (links.length === 0) return
    await db.transaction(async (trx) => {
      await Link.upsertMany(
        links.map(({ company, contact, ...entry }) => ({
          productId: product.id,
          kind: 'company_contact' as const,
          autotaskId: company.id,
          xeroId: contact.contactId,
          xeroLabel: contact.name,
          detailsHash: entry.detailsHash ?? null,
        })),
        trx
      )
      await SyncLogService.insert(
        links.map(({ company, contact, how }) => ({
          productId: product.id,
          syncRunId,
          event: 'contact.linked',
          message: `Company "${company.name}" (#${company.id}) linked to Xero contact "${contact.name}", ${how}`,
          actor,
        })),
        trx
      )
    })
  }
}

/** The details an update carries, in words for its log line. */
function detailNames(input: Partial<XeroContactInput>) {
  return (
    [input.address && 'address', input.phone && 'phone', input.emailAddress && 'e-mail']
      .filter(Boolean)
      .join(', ') || 'name'
  )
}
