import { inject } from '@adonisjs/core'
import type { XeroContact, XeroGateway } from '#integrations/xero/xero_gateway'
import { XERO_BATCH_LIMIT } from '#integrations/xero/xero_gateway'
import Link from '#models/link'
import type Product from '#models/product'
import SyncLogService from '#services/sync_log_service'

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

/**
 * Autotask companies → Xero contacts, linked by id once and for ever. The first
 * time: Xero ContactNumber = Autotask company id (or AccountNumber = company
 * number), then a normalised name; else the contact is created (when the
 * product allows). More than one match is never guessed: it faults for a person.
 */
@inject()
export default class ContactResolver {
  constructor(protected logs: SyncLogService) {}

  async resolve(product: Product, xero: XeroGateway, companies: CompanyRef[], syncRunId: number | null) {
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
    for (const company of unique.filter((c) => !outcomes.has(c.id))) {
      const match = await this.match(product, xero, company, settings.matchContactsByName)
      if (match.kind === 'one') {
        await this.link(product, company, match.contact, `matched by ${match.by}`, syncRunId)
        outcomes.set(company.id, { ok: true, contactId: match.contact.contactId })
      } else if (match.kind === 'many') {
        outcomes.set(company.id, {
          ok: false,
          reason: `Company "${company.name}" matches ${match.contacts.length} Xero contacts (${match.contacts.map((c) => c.name).slice(0, 5).join(', ')}).`,
          hint: `Give the right Xero contact the contact number ${company.id}, then resync.`,
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

    for (let start = 0; start < toCreate.length; start += XERO_BATCH_LIMIT) {
      const batch = toCreate.slice(start, start + XERO_BATCH_LIMIT)
      const results = await xero.createContacts(
        product,
        batch.map((company) => ({
          name: company.name.trim().slice(0, 255),
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

  private async match(
    product: Product,
    xero: XeroGateway,
    company: CompanyRef,
    byName: boolean
  ): Promise<{ kind: 'none' } | { kind: 'one'; contact: XeroContact; by: string } | { kind: 'many'; contacts: XeroContact[] }> {
    const numberClause = company.number ? ` OR AccountNumber=="${quoteless(company.number)}"` : ''
    const byNumber = await xero.findContacts(product, `ContactNumber=="${company.id}"${numberClause}`)
    if (byNumber.length === 1) return { kind: 'one', contact: byNumber[0], by: 'number' }
    if (byNumber.length > 1) return { kind: 'many', contacts: byNumber }
    if (!byName) return { kind: 'none' }

    const wanted = normaliseName(company.name)
    const token = quoteless(wanted.split(' ').sort((a, b) => b.length - a.length)[0] ?? '')
    if (!token) return { kind: 'none' }
    const candidates = await xero.findContacts(product, `Name.ToLower().Contains("${token}")`)
    const same = candidates.filter((contact) => normaliseName(contact.name) === wanted && contact.status !== 'ARCHIVED')
    if (same.length === 1) return { kind: 'one', contact: same[0], by: 'name' }
    if (same.length > 1) return { kind: 'many', contacts: same }
    return { kind: 'none' }
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
