import { inject } from '@adonisjs/core'
import { Decimal } from 'decimal.js'
import type { DateTime } from 'luxon'
import type Product from '#models/product'
import LiveList from '#models/live_list'
import { liveListKinds, type LiveListEntry, type LiveListKind } from '#enums/live_list'
import { AutotaskClient, autotaskCredentialsOf } from '#integrations/autotask/autotask_client'
import { AutotaskError } from '#integrations/autotask/errors'
import { XeroGateway } from '#integrations/xero/xero_gateway'
import { XeroError } from '#integrations/xero/errors'
import { xeroConnectionOf } from '#sync/product_connections'
import { Clock } from '#sync/clock'
import SyncLogService from '#services/sync_log_service'

/** A list as the settings page shows it: its choices, when they were fetched, or why there are none. */
export interface LiveListView {
  kind: LiveListKind
  label: string
  source: 'xero' | 'autotask'
  entries: LiveListEntry[]
  fetchedAt: DateTime | null
  /** why the list could not be fetched (not connected, the service refused), in plain words */
  problem: string | null
}

/** Most matches a search returns: the person keeps typing to narrow a long list. */
export const SEARCH_LIMIT = 20

/**
 * The values settings are chosen from, fetched from Xero and Autotask and cached per product:
 * a list is fetched the first time it is needed and again only when a person presses Refresh.
 */
@inject()
export default class LiveListService {
  constructor(
    protected autotask: AutotaskClient,
    protected xero: XeroGateway,
    protected clock: Clock,
    protected logs: SyncLogService
  ) {}

  /** The cached lists, fetching those never fetched (a failure is shown, never thrown). */
  async lists<K extends LiveListKind>(
    product: Product,
    kinds: readonly K[]
  ): Promise<Record<K, LiveListView>> {
    const cached = await LiveList.query()
      .where('product_id', product.id)
      .whereIn('kind', [...kinds] as string[])
    const missing = kinds.filter((kind) => !cached.some((row) => row.kind === kind))
    // Fetched side by side, stored one after another (parallel upserts of one table deadlock on MySQL).
    const fetched = await Promise.all(missing.map((kind) => this.fetchOutcome(product, kind)))
    const views = new Map<LiveListKind, LiveListView>()
    for (const row of cached) views.set(row.kind, viewOf(row.kind, row))
    for (const [index, kind] of missing.entries()) {
      views.set(kind, await this.store(product, kind, fetched[index]))
    }
    return Object.fromEntries(kinds.map((kind) => [kind, views.get(kind)!])) as Record<
      K,
      LiveListView
    >
  }

  async list(product: Product, kind: LiveListKind): Promise<LiveListView> {
    return (await this.lists(product, [kind]))[kind]
  }

  /** Fetches a list afresh and caches it; when the service fails, the cached copy stays and the problem is said. */
  async refresh(product: Product, kind: LiveListKind): Promise<LiveListView> {
    return this.store(product, kind, await this.fetchOutcome(product, kind))
  }

  protected async fetchOutcome(
    product: Product,
    kind: LiveListKind
  ): Promise<{ entries: LiveListEntry[] } | { problem: string; logged: boolean }> {
    try {
      return { entries: await this.fetch(product, kind) }
    } catch (error) {
      return { problem: plainProblem(kind, error), logged: !(error instanceof NotConnected) }
    }
  }

  protected async store(
    product: Product,
    kind: LiveListKind,
    outcome: { entries: LiveListEntry[] } | { problem: string; logged: boolean }
  ): Promise<LiveListView> {
    if ('entries' in outcome) {
      const row = await LiveList.updateOrCreate(
        { productId: product.id, kind },
        { entries: outcome.entries, fetchedAt: this.clock.now() }
      )
      return viewOf(kind, row)
    }
    if (outcome.logged) {
      await this.logs.write({
        productId: product.id,
        level: 'warn',
        event: 'live_list.failed',
        message: `Could not fetch ${liveListKinds[kind].label}: ${outcome.problem}`,
      })
    }
    const row = await LiveList.query().where('product_id', product.id).where('kind', kind).first()
    return { ...(row ? viewOf(kind, row) : emptyView(kind)), problem: outcome.problem }
  }

  /** Entries whose label or value contains every word typed, case-insensitively, at most `limit`. */
  async search(product: Product, kind: LiveListKind, term: string, limit = SEARCH_LIMIT) {
    const view = await this.list(product, kind)
    const words = term.toLowerCase().split(/\s+/).filter(Boolean)
    const matches = view.entries.filter((entry) => {
      const text = `${entry.label} ${entry.value}`.toLowerCase()
      return words.every((word) => text.includes(word))
    })
    return { view, total: matches.length, entries: matches.slice(0, limit) }
  }

  protected async fetch(product: Product, kind: LiveListKind): Promise<LiveListEntry[]> {
    if (liveListKinds[kind].source === 'xero') {
      if (!product.xeroTenantId || !product.xeroTokens) throw new NotConnected('Xero')
      const connection = xeroConnectionOf(product)
      if (kind === 'xero_accounts') {
        return (await this.xero.getAccounts(connection))
          .filter(
            (account) => account.status === 'ACTIVE' && account.code && account.type !== 'BANK'
          )
          .sort((a, b) => a.code!.localeCompare(b.code!, 'en', { numeric: true }))
          .map((account) => ({ value: account.code!, label: `${account.code} · ${account.name}` }))
      }
      if (kind === 'xero_branding_themes') {
        return (await this.xero.getBrandingThemes(connection))
          .sort((a, b) => a.sortOrder - b.sortOrder)
          .map((theme) => ({ value: theme.brandingThemeId, label: theme.name }))
      }
      if (kind === 'xero_currencies') {
        return (await this.xero.getCurrencies(connection))
          .sort((a, b) => a.code.localeCompare(b.code))
          .map((currency) => ({
            value: currency.code,
            label: currency.description
              ? `${currency.code} · ${currency.description}`
              : currency.code,
          }))
      }
      return (await this.xero.getTaxRates(connection))
        .filter((rate) => rate.status === 'ACTIVE' && rate.taxType)
        .map((rate) => ({
          value: rate.taxType,
          label: `${rate.name} (${new Decimal(rate.rate).toString()}%)`,
        }))
    }
    const credentials = autotaskCredentialsOf(product)
    if (!credentials) throw new NotConnected('Autotask')
    const client = this.autotask.connect(credentials)
    if (kind === 'autotask_po_statuses') {
      const status = (await client.fieldInformation('PurchaseOrders')).find(
        (field) => field.name.toLowerCase() === 'status'
      )
      return (status?.picklistValues ?? [])
        .filter((value) => value.isActive)
        .sort((a, b) => a.sortOrder - b.sortOrder)
        .map((value) => ({ value: String(value.value), label: value.label }))
    }
    return (await client.companyNames())
      .sort((a, b) => a.companyName.localeCompare(b.companyName) || a.id - b.id)
      .map((company) => ({
        value: String(company.id),
        label: company.isActive ? company.companyName : `${company.companyName} (inactive)`,
      }))
  }
}

class NotConnected extends Error {
  constructor(readonly service: 'Xero' | 'Autotask') {
    super(`Connect ${service} first: this list comes from ${service}.`)
  }
}

function viewOf(kind: LiveListKind, row: LiveList): LiveListView {
  return { ...emptyView(kind), entries: row.entries, fetchedAt: row.fetchedAt }
}

function emptyView(kind: LiveListKind): LiveListView {
  const { label, source } = liveListKinds[kind]
  return { kind, label, source, entries: [], fetchedAt: null, problem: null }
}

function plainProblem(kind: LiveListKind, error: unknown): string {
  if (error instanceof NotConnected) return error.message
  const service = liveListKinds[kind].source === 'xero' ? 'Xero' : 'Autotask'
  if (error instanceof XeroError || error instanceof AutotaskError) {
    return `${service} did not answer with the list (${error.message}). Try Refresh again later.`
  }
  throw error
}
