import { inject } from '@adonisjs/core'
import type { XeroContact, XeroGateway } from '#integrations/xero/xero_gateway'
import { XERO_BATCH_LIMIT } from '#integrations/xero/xero_gateway'
import Link from '#models/link'
import type Product from '#models/product'
import SyncLogService from '#services/sync_log_service'
import { fitText } from '#sync/text'

export interface CompanyRef {
  id: number
  name: string
  number?: string | null
}

export type ContactOutcome = { ok: true; contactId: string } | { ok: false; reason: string; hint: string }

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
export function companyProblem(record: { autotaskCompanyId: number | null; companyName: string | null }) {
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

/** Companies looked up in Xero per request (the `where` clause stays short). */
const LOOKUP_CHUNK = 10

type Match =
  | { kind: 'none' }
  | { kind: 'one'; contact: XeroContact; by: string }
  | { kind: 'many'; contacts: XeroContact[] }

/**
 * Autotask companies → Xero contacts, linked by id once and for ever. The first
 * time: Xero ContactNumber = Autotask company id (or AccountNumber = company
 * number), then a normalised name; else the contact is created (when the
 * product allows). More than one match is never guessed: it faults for a person.
 */
@inject()
export default class ContactResolver {
  constructor(protected logs: SyncLogService) {}

  /** With `dryRun` (Diagnostic Mode) nothing is linked or created: a new contact is reported as `(new contact)`. */
  async resolve(
    product: Product,
    xero: XeroGateway,
    companies: CompanyRef[],
    syncRunId: number | null,
    options: { dryRun?: boolean } = {}
  ) {
    const outcomes = new Map<number, ContactOutcome>()
    const unique = [...new Map(companies.map((company) => [company.id, company])).values()]
    if (unique.length === 0) return outcomes

    const links = await Link.query()
      .where('product_id', product.id)
      .where('kind', 'company_contact')
      .whereIn('autotask_id', unique.map((company) => company.id))
    for (const link of links) outcomes.set(Number(link.autotaskId), { ok: true, contactId: link.xeroId })

    const settings = product.effectiveSettings
    const toCreate: CompanyRef[] = []
    const unlinked = unique.filter((c) => !outcomes.has(c.id))
    const matches = await this.match(product, xero, unlinked, settings.matchContactsByName)
    for (const company of unlinked) {
      const match = matches.get(company.id) ?? { kind: 'none' as const }
      if (match.kind === 'one') {
        if (!options.dryRun) await this.link(product, company, match.contact, `matched by ${match.by}`, syncRunId)
        outcomes.set(company.id, { ok: true, contactId: match.contact.contactId })
      } else if (match.kind === 'many') {
        outcomes.set(company.id, {
          ok: false,
          reason: `Company "${company.name}" matches ${match.contacts.length} Xero contacts (${match.contacts.map((c) => c.name).slice(0, 5).join(', ')}).`,
          hint: `Give the right Xero contact the contact number ${company.id}, then resync.`,
        })
      } else if (settings.createContacts && options.dryRun) {
        outcomes.set(company.id, { ok: true, contactId: NEW_CONTACT })
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

    for (let start = 0; start < toCreate.length; start += XERO_BATCH_LIMIT) {
      const batch = toCreate.slice(start, start + XERO_BATCH_LIMIT)
      const results = await xero.createContacts(
        product,
        batch.map((company) => ({
          name: fitText(company.name.trim(), MAX_CONTACT_NAME),
          contactNumber: String(company.id),
          accountNumber: company.number ?? undefined,
        }))
      )
      for (const result of results) {
        const company = batch[result.index]
        if (result.ok) {
          await this.link(product, company, result.value, 'created in Xero', syncRunId)
          outcomes.set(company.id, { ok: true, contactId: result.value.contactId })
        } else {
          outcomes.set(company.id, {
            ok: false,
            reason: `Xero refused to create contact "${company.name}": ${result.messages.join(' ')}`,
            hint: 'If the contact exists under another number, give it the contact number of the Autotask company, then resync.',
          })
        }
      }
    }
    return outcomes
  }

  /**
   * Looks companies up in Xero a chunk at a time (one `where` with ORs per
   * chunk): first by number, then, for those still unmatched, by name.
   */
  private async match(product: Product, xero: XeroGateway, companies: CompanyRef[], byName: boolean) {
    const results = new Map<number, Match>()
    for (let start = 0; start < companies.length; start += LOOKUP_CHUNK) {
      const chunk = companies.slice(start, start + LOOKUP_CHUNK)
      const where = chunk
        .map((company) => {
          const account = company.number ? ` OR AccountNumber=="${quoteless(company.number)}"` : ''
          return `ContactNumber=="${company.id}"${account}`
        })
        .join(' OR ')
      const found = await xero.findContacts(product, where)
      for (const company of chunk) {
        const same = found.filter(
          (contact) =>
            contact.contactNumber === String(company.id) ||
            (company.number && contact.accountNumber === company.number)
        )
        if (same.length === 1) results.set(company.id, { kind: 'one', contact: same[0], by: 'number' })
        else if (same.length > 1) results.set(company.id, { kind: 'many', contacts: same })
      }
    }
    if (!byName) return results

    const byToken = companies
      .filter((company) => !results.has(company.id))
      .map((company) => {
        const wanted = normaliseName(company.name)
        const token = quoteless(wanted.split(' ').sort((a, b) => b.length - a.length)[0] ?? '')
        return { company, wanted, token }
      })
      .filter((entry) => entry.token)
    for (let start = 0; start < byToken.length; start += LOOKUP_CHUNK) {
      const chunk = byToken.slice(start, start + LOOKUP_CHUNK)
      const where = [...new Set(chunk.map((entry) => entry.token))]
        .map((token) => `Name.ToLower().Contains("${token}")`)
        .join(' OR ')
      const candidates = await xero.findContacts(product, where)
      for (const { company, wanted } of chunk) {
        const same = candidates.filter((contact) => normaliseName(contact.name) === wanted && contact.status !== 'ARCHIVED')
        if (same.length === 1) results.set(company.id, { kind: 'one', contact: same[0], by: 'name' })
        else if (same.length > 1) results.set(company.id, { kind: 'many', contacts: same })
      }
    }
    return results
  }

  private async link(product: Product, company: CompanyRef, contact: XeroContact, how: string, syncRunId: number | null) {
    await Link.updateOrCreate(
      { productId: product.id, kind: 'company_contact', autotaskId: company.id },
      { xeroId: contact.contactId, xeroLabel: contact.name }
    )
    await this.logs.write({
      productId: product.id,
      syncRunId,
      event: 'contact.linked',
      message: `Company "${company.name}" (#${company.id}) linked to Xero contact "${contact.name}", ${how}`,
      actor: 'engine',
    })
  }
}
