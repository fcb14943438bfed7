import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type Product from '#models/product'
import Link from '#models/link'
import { AutotaskClient, autotaskCredentialsOf } from '#integrations/autotask/autotask_client'
import { XeroGateway, type XeroContact } from '#integrations/xero/xero_gateway'
import { XeroError } from '#integrations/xero/errors'
import type { ExportColumn } from '#services/record_export_service'
import { likePattern } from '#sync/text'
import ContactResolver, {
  autotaskContactDetails,
  type CompanyRef,
  type Match,
} from '#sync/contact_resolver'

/** How an Autotask company stands with Xero: linked, would link (matched), ambiguous, none (would create). */
export type ContactState = 'linked' | 'matched' | 'ambiguous' | 'none' | 'unknown'

export const contactStateLabels: Record<ContactState, string> = {
  linked: 'Linked',
  matched: 'Matched (would link)',
  ambiguous: 'Ambiguous',
  none: 'No contact',
  unknown: 'Xero not read',
}

interface ContactCandidate {
  contactId: string
  name: string
  /** what tells two candidates of one name apart: number, account number, e-mail, else the id's start */
  detail: string | null
}

/** One Autotask company with invoices, and its Xero contact. */
export interface ContactReportRow {
  companyId: number
  companyName: string
  invoices: number
  state: ContactState
  /** linked: its contact; matched: the contact the engine would link; ambiguous: every candidate */
  candidates: ContactCandidate[]
  /** matched: by number or by name */
  matchedBy: string | null
  /** what the next sync does, in words */
  nextSync: string
}

/** The columns of the report's CSV and Excel exports. */
export const contactReportColumns: ExportColumn<ContactReportRow>[] = [
  { header: 'Autotask company ID', value: (row) => row.companyId },
  { header: 'Company', value: (row) => row.companyName },
  { header: 'Invoices', value: (row) => row.invoices },
  { header: 'State', value: (row) => contactStateLabels[row.state] },
  { header: 'Xero contact', value: (row) => row.candidates.map((c) => c.name).join('; ') || null },
  {
    header: 'Xero contact ID',
    value: (row) => row.candidates.map((c) => c.contactId).join('; ') || null,
  },
  { header: 'Matched by', value: (row) => row.matchedBy },
  { header: 'Next sync', value: (row) => row.nextSync || null },
]

/** Companies per page of the report. */
const CONTACT_REPORT_PAGE_SIZE = 50

/** Companies matched against Xero at once by an export (one read of the contact list each). */
const EXPORT_CHUNK = 1000

export type ContactActionOutcome = { ok: true; message: string } | { ok: false; message: string }

/**
 * The contact report: every Autotask company the product discovered invoices for, and how it
 * stands with Xero, asked the way the engine asks (ContactResolver.match: the contact list read a
 * thousand a page, or look-ups ten companies a call), never one call per company.
 */
@inject()
export default class ContactReportService {
  constructor(
    protected xero: XeroGateway,
    protected autotask: AutotaskClient,
    protected resolver: ContactResolver
  ) {}

  /**
   * One page of companies in name order, filtered by name or id. No total is counted (that would
   * group every invoice): one row more than a page says whether a next page exists.
   */
  async page(product: Product, filters: { q?: string; page?: number }) {
    const page = Math.max(1, filters.page ?? 1)
    const companies = await this.companies(product, filters.q)
      .offset((page - 1) * CONTACT_REPORT_PAGE_SIZE)
      .limit(CONTACT_REPORT_PAGE_SIZE + 1)
    const { rows, problem } = await this.rowsOf(
      product,
      companies.slice(0, CONTACT_REPORT_PAGE_SIZE)
    )
    return { rows, problem, page, hasNext: companies.length > CONTACT_REPORT_PAGE_SIZE }
  }

  /**
   * Every row the search finds, a thousand companies at a time (for the exports and the console).
   * When Xero cannot be read, unlinked companies come as `unknown` and `problems` says why.
   */
  async *all(
    product: Product,
    q?: string,
    problems: string[] = []
  ): AsyncGenerator<ContactReportRow> {
    for (let offset = 0; ; offset += EXPORT_CHUNK) {
      const companies = await this.companies(product, q).offset(offset).limit(EXPORT_CHUNK)
      const { rows, problem } = await this.rowsOf(product, companies)
      if (problem && !problems.includes(problem)) problems.push(problem)
      yield* rows
      if (companies.length < EXPORT_CHUNK) return
    }
  }

  /** A company of this product's invoices that no Xero contact is linked to yet, with its matches. */
  private async unlinkedCompany(product: Product, companyId: number) {
    const company = await this.company(product, companyId)
    if (!company)
      return { ok: false as const, message: `No invoices of company #${companyId} were found.` }
    const linked = await this.linkOf(product, companyId)
    if (linked)
      return {
        ok: false as const,
        message: `"${company.name}" is already linked to Xero contact "${linked.xeroLabel}".`,
      }
    const match = (await this.matches(product, [company])).get(company.id)
    return { ok: true as const, company, match }
  }

  /** Links a company to one of its candidates (the contact the engine matched, or one of an ambiguous few). */
  async link(
    product: Product,
    companyId: number,
    contactId: string,
    actor: string
  ): Promise<ContactActionOutcome & { company?: CompanyRef; contact?: XeroContact }> {
    const found = await this.unlinkedCompany(product, companyId)
    if (!found.ok) return found
    const { company, match } = found
    const candidates =
      match?.kind === 'one' ? [match.contact] : match?.kind === 'many' ? match.contacts : []
    const contact = candidates.find((candidate) => candidate.contactId === contactId)
    if (!contact)
      return {
        ok: false,
        message: `That Xero contact is not a candidate for "${company.name}" any more: reload the report.`,
      }
    await this.resolver.linkChosen(
      product,
      this.xero,
      company,
      contact,
      actor,
      this.details(product)
    )
    return {
      ok: true,
      message: `"${company.name}" linked to Xero contact "${contact.name}".`,
      company,
      contact,
    }
  }

  /** Creates the Xero contact of a company no contact matches, with its details, and links it. */
  async create(
    product: Product,
    companyId: number,
    actor: string
  ): Promise<ContactActionOutcome & { company?: CompanyRef; contactId?: string }> {
    const found = await this.unlinkedCompany(product, companyId)
    if (!found.ok) return found
    const { company, match } = found
    if (match && match.kind !== 'none')
      return {
        ok: false,
        message: `"${company.name}" already has a matching Xero contact: link it instead of creating another.`,
      }
    const outcome = (
      await this.resolver.create(product, this.xero, [company], null, this.details(product), actor)
    ).get(company.id)
    if (!outcome?.ok) return { ok: false, message: outcome?.reason ?? 'Xero created no contact.' }
    return {
      ok: true,
      message: `Xero contact "${company.name}" created and linked.`,
      company,
      contactId: outcome.contactId,
    }
  }

  /**
   * Companies with discovered invoices and how many each has, in name order, read from the
   * (product_id, company_name, autotask_company_id) index. A company renamed in Autotask between
   * invoices shows once under each name.
   */
  private companies(product: Product, q?: string) {
    return this.invoicesOf(product, q)
      .select('company_name', 'autotask_company_id')
      .count('* as invoices')
      .groupBy('company_name', 'autotask_company_id')
      .orderBy('company_name')
      .orderBy('autotask_company_id')
  }

  /** The product's invoices that name a company, filtered by the company's name or id. */
  private invoicesOf(product: Product, q?: string) {
    const query = db
      .from('invoice_records')
      .where('product_id', product.id)
      .whereNotNull('autotask_company_id')
      .whereNotNull('company_name')
    const term = q?.trim()
    if (term) {
      query.where((where) => {
        where.whereRaw(`LOWER(company_name) LIKE ? ESCAPE '!'`, [
          likePattern(term.toLowerCase(), 'anywhere'),
        ])
        if (/^\d{1,15}$/.test(term)) where.orWhere('autotask_company_id', Number(term))
      })
    }
    return query
  }

  private async company(product: Product, companyId: number): Promise<CompanyRef | null> {
    const row = await db
      .from('invoice_records')
      .where('product_id', product.id)
      .where('autotask_company_id', companyId)
      .whereNotNull('company_name')
      .orderBy('id', 'desc')
      .select('company_name')
      .first()
    return row ? { id: companyId, name: row.company_name } : null
  }

  private linkOf(product: Product, companyId: number) {
    return Link.query()
      .where('product_id', product.id)
      .where('kind', 'company_contact')
      .where('autotask_id', companyId)
      .first()
  }

  private matches(product: Product, companies: CompanyRef[]): Promise<Map<number, Match>> {
    return this.resolver.match(
      product,
      this.xero,
      companies,
      product.effectiveSettings.matchContactsByName
    )
  }

  private details(product: Product) {
    const credentials = autotaskCredentialsOf(product)
    return credentials ? autotaskContactDetails(this.autotask.connect(credentials)) : undefined
  }

  /** The rows of these companies: links from the database, the rest matched in Xero in one go. */
  private async rowsOf(
    product: Product,
    companies: { autotask_company_id: number | string; company_name: string; invoices: unknown }[]
  ) {
    const ids = companies.map((row) => Number(row.autotask_company_id))
    const links = new Map(
      (
        await Link.query()
          .where('product_id', product.id)
          .where('kind', 'company_contact')
          .whereIn('autotask_id', ids)
      ).map((link) => [Number(link.autotaskId), link])
    )
    const unlinked = companies
      .filter((row) => !links.has(Number(row.autotask_company_id)))
      .map((row) => ({ id: Number(row.autotask_company_id), name: row.company_name }))
    let matches = new Map<number, Match>()
    let problem: string | null = null
    if (unlinked.length) {
      try {
        if (!product.xeroTenantId || !product.xeroTokens) throw new NotConnected()
        matches = await this.matches(product, unlinked)
      } catch (error) {
        if (!(error instanceof XeroError || error instanceof NotConnected)) throw error
        problem = `Xero's contacts could not be read (${error.message}); linked companies are shown, the others are not known.`
      }
    }
    const settings = product.effectiveSettings
    const rows = companies.map((row): ContactReportRow => {
      const companyId = Number(row.autotask_company_id)
      const base = { companyId, companyName: row.company_name, invoices: Number(row.invoices) }
      const link = links.get(companyId)
      if (link)
        return {
          ...base,
          state: 'linked',
          candidates: [
            { contactId: link.xeroId, name: link.xeroLabel ?? link.xeroId, detail: null },
          ],
          matchedBy: null,
          nextSync: 'Uses the linked contact',
        }
      if (problem)
        return { ...base, state: 'unknown', candidates: [], matchedBy: null, nextSync: '' }
      const match = matches.get(companyId) ?? { kind: 'none' as const }
      if (match.kind === 'one')
        return {
          ...base,
          state: 'matched',
          candidates: [candidateOf(match.contact)],
          matchedBy: match.by,
          nextSync: `Links it (matched by ${match.by})`,
        }
      if (match.kind === 'many')
        return {
          ...base,
          state: 'ambiguous',
          candidates: match.contacts.map(candidateOf),
          matchedBy: null,
          nextSync: 'Faults until one is linked',
        }
      return {
        ...base,
        state: 'none',
        candidates: [],
        matchedBy: null,
        nextSync: settings.createContacts
          ? 'Creates the contact'
          : 'Faults (contact creation is off in Settings)',
      }
    })
    return { rows, problem }
  }
}

function candidateOf(contact: XeroContact): ContactCandidate {
  const detail = [
    contact.contactNumber && `no. ${contact.contactNumber}`,
    contact.accountNumber && `account ${contact.accountNumber}`,
    contact.emailAddress,
  ].filter(Boolean)
  return {
    contactId: contact.contactId,
    name: contact.name,
    detail: detail.length ? detail.join(', ') : `id ${contact.contactId.slice(0, 8)}`,
  }
}

class NotConnected extends Error {
  constructor() {
    super('Xero is not connected')
  }
}
