import { inject } from '@adonisjs/core'
import encryption from '@adonisjs/core/services/encryption'
import db from '@adonisjs/lucid/services/db'
import { Decimal } from 'decimal.js'
import type Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import Mapping from '#models/mapping'
import { DEFAULT_MAPPING_VALUE, type MappingKind } from '#enums/sync'
import { AutotaskClient, autotaskCredentialsOf } from '#integrations/autotask/autotask_client'
import type { ZoneInformation } from '#integrations/autotask/types'
import { XeroGateway, type XeroAccount, type XeroTaxRate } from '#integrations/xero/xero_gateway'
import {
  XeroOAuth,
  type XeroAuthorizationRequest,
  type XeroOAuthTokens,
} from '#integrations/xero/xero_oauth'
import { XeroTokenStore } from '#integrations/xero/token_store'
import {
  XeroAuthorizationError,
  XeroError,
  XeroReconnectRequiredError,
  XeroTransientError,
} from '#integrations/xero/errors'
import SyncLogService from '#services/sync_log_service'
import { changesOf } from '#services/audit_service'
import LiveListService, { type LiveListView } from '#services/live_list_service'
import type { LiveListKind } from '#enums/live_list'
import type { ProductSettings } from '#models/product'
import {
  dimensionLabels,
  MAX_TRACKING_CATEGORIES,
  trackingDimensions,
  type TrackingDimension,
} from '#sync/line_tracking'

export type SetupFailure = { ok: false; reason: string }

export interface AutotaskCredentialsInput {
  username: string
  secret: string
  integrationCode: string
}

export interface XeroTenantChoice {
  tenantId: string
  tenantName: string
}

/** What the authorize redirect must remember until the callback (kept in the session). */
export interface XeroAuthorizationInProgress {
  productId: number
  state: string
  codeVerifier: string
}

/**
 * Tokens waiting for the user to pick an organisation. Only the refresh token is
 * kept (encrypted, expiring): an access token would not fit a 4 KB session cookie.
 */
export interface PendingXeroConnection {
  productId: number
  sealedRefreshToken: string
  tenants: XeroTenantChoice[]
}

export type XeroCallbackResult =
  | { ok: true; connected: XeroTenantChoice }
  | { ok: true; choose: PendingXeroConnection }
  | SetupFailure

export interface MappingOption {
  value: string
  label: string
}

export interface MappingRow {
  /** The form key: prefixed, so the body parser keeps it an object key (a bare number would become an array index). */
  key: string
  autotaskValue: string
  autotaskLabel: string
  selected: string | null
}

/** One tracked dimension on the mappings page: its category and its values' options. */
interface TrackingDimensionForm {
  dimension: TrackingDimension
  label: string
  /** the Xero tracking category chosen for it (null: not tracked) */
  category: string | null
  rows: MappingRow[]
  list: LiveListView
}

/** The lists the tracking and template mappings are chosen from (cached, with age and Refresh). */
const TRACKING_LISTS = [
  'xero_tracking_categories',
  'xero_branding_themes',
  'autotask_territories',
  'autotask_departments',
  'autotask_lines_of_business',
  'autotask_invoice_templates',
] as const

/** Every list the mappings page chooses from, cached per product (age and Refresh shown beside each). */
const MAPPING_LISTS = [
  'autotask_tax_regions',
  'autotask_billing_codes',
  'xero_tax_rates',
  'xero_accounts',
  'xero_items',
  ...TRACKING_LISTS,
] as const satisfies readonly LiveListKind[]

const dimensionLists = {
  territory: 'autotask_territories',
  department: 'autotask_departments',
  line_of_business: 'autotask_lines_of_business',
} as const satisfies Record<TrackingDimension, (typeof TRACKING_LISTS)[number]>

export interface MappingForm {
  /** the lists the page chose from, each with its age and any problem fetching it */
  lists: Record<(typeof MAPPING_LISTS)[number], LiveListView>
  /** line tracking: each dimension's category and options, and what an unmapped value does */
  tracking: {
    categories: LiveListView
    dimensions: TrackingDimensionForm[]
    unmapped: ProductSettings['trackingUnmapped']
  }
  /** Autotask invoice templates → Xero branding themes (optional) */
  invoiceTemplates: { rows: MappingRow[]; templates: LiveListView; themes: LiveListView }
  taxRegions: MappingRow[]
  billingCodes: MappingRow[]
  /** the same billing codes, each with the Xero item it is mapped to (optional) */
  billingCodeItems: MappingRow[]
  taxRateOptions: MappingOption[]
  accountOptions: MappingOption[]
  itemOptions: MappingOption[]
  defaultAccount: string | null
}

export interface MappingInput {
  trackingCategories?: Partial<Record<TrackingDimension, string | undefined>>
  trackingOptions?: Partial<Record<TrackingDimension, Record<string, string | undefined>>>
  trackingUnmapped?: ProductSettings['trackingUnmapped']
  invoiceTemplates?: Record<string, string | undefined>
  taxRegions?: Record<string, string | undefined>
  billingCodes?: Record<string, string | undefined>
  billingCodeItems?: Record<string, string | undefined>
  defaultAccount: string
}

type MappingFormFailure = SetupFailure & { step: 'autotask' | 'xero' }

/** One row to write (or, without a Xero value, to remove) and the labels its value may take. */
interface PlannedMapping {
  kind: MappingKind
  row: Pick<MappingRow, 'autotaskValue' | 'autotaskLabel'>
  xeroValue: string | null
  labels: Map<string, string>
  /** left out of the log's "not mapped" list: an optional choice left blank */
  optional?: boolean
}

const PENDING_LIFETIME = '30 minutes'
const REVENUE_ACCOUNT_TYPES = ['REVENUE', 'SALES', 'OTHERINCOME']

/** The "Add a New Product" wizard: Autotask credentials, the Xero connection and the mappings, one method per step. */
@inject()
export default class ProductSetupService {
  constructor(
    protected autotask: AutotaskClient,
    protected oauth: XeroOAuth,
    protected xeroTokens: XeroTokenStore,
    protected xero: XeroGateway,
    protected logs: SyncLogService,
    protected liveLists: LiveListService
  ) {}

  /** Looks the zone up and runs a test query; stores the credentials only when both work. */
  async connectAutotask(
    product: Product,
    input: AutotaskCredentialsInput,
    actor: string
  ): Promise<{ ok: true; zone: ZoneInformation } | SetupFailure> {
    const client = this.autotask.connect({ ...input, zoneUrl: null })
    const result = await client.testConnection()
    if (!result.ok) return { ok: false, reason: plainAutotaskReason(result.reason) }
    product.merge({
      autotaskUsername: input.username,
      autotaskSecret: input.secret,
      autotaskIntegrationCode: input.integrationCode,
      autotaskZoneUrl: result.zone.url,
      autotaskHealth: 'ok',
      autotaskHealthMessage: null,
    })
    await product.save()
    await this.logs.write({
      productId: product.id,
      event: 'product.autotask_connected',
      message: `Autotask connected as API user ${input.username} (zone ${result.zone.zoneName}) by ${actor}`,
      actor,
    })
    return { ok: true, zone: result.zone }
  }

  /** The permissions "Connect to Xero" will ask for, to say so before the user leaves for Xero. */
  xeroPermissions() {
    return this.oauth.permissions()
  }

  /** A fresh consent URL with its state and PKCE verifier, to remember until the callback. */
  startXeroAuthorization(product: Product): {
    request: XeroAuthorizationRequest
    remember: XeroAuthorizationInProgress
  } {
    const request = this.oauth.startAuthorization()
    return {
      request,
      remember: { productId: product.id, state: request.state, codeVerifier: request.codeVerifier },
    }
  }

  /**
   * Checks the callback, exchanges the code and lists the organisations. One
   * organisation is connected at once; several wait (nothing stored) for a choice.
   */
  async completeXeroAuthorization(
    product: Product,
    callback: { code?: string | null; state?: string | null; error?: string | null },
    expected: XeroAuthorizationInProgress,
    actor: string
  ): Promise<XeroCallbackResult> {
    try {
      const tokens = await this.oauth.handleCallback(callback, expected)
      const tenants = (await this.oauth.connections(tokens.accessToken)).map((connection) => ({
        tenantId: connection.tenantId,
        tenantName: connection.tenantName,
      }))
      if (tenants.length === 0) {
        return {
          ok: false,
          reason:
            'Xero did not connect any organisation. Connect again and choose one on the Xero page.',
        }
      }
      if (tenants.length === 1) {
        await this.connectXero(product, tokens, tenants[0], actor)
        return { ok: true, connected: tenants[0] }
      }
      return {
        ok: true,
        choose: {
          productId: product.id,
          sealedRefreshToken: encryption.encrypt(tokens.refreshToken, PENDING_LIFETIME),
          tenants,
        },
      }
    } catch (error) {
      return { ok: false, reason: plainXeroReason(error) }
    }
  }

  /** Connects the organisation picked from a pending connection, if Xero still lists it. */
  async chooseXeroOrganisation(
    product: Product,
    pending: PendingXeroConnection,
    tenantId: string,
    actor: string
  ): Promise<{ ok: true; connected: XeroTenantChoice } | SetupFailure> {
    const refreshToken = encryption.decrypt<string>(pending.sealedRefreshToken)
    if (!refreshToken) {
      return {
        ok: false,
        reason:
          'The Xero sign-in waited too long for a choice and has expired. Connect to Xero again.',
      }
    }
    try {
      const tokens = await this.oauth.refresh(refreshToken)
      const tenant = (await this.oauth.connections(tokens.accessToken)).find(
        (connection) => connection.tenantId === tenantId
      )
      if (!tenant) {
        return {
          ok: false,
          reason:
            'That organisation is no longer connected to this app in Xero. Connect to Xero again and allow access to it.',
        }
      }
      const chosen = { tenantId: tenant.tenantId, tenantName: tenant.tenantName }
      await this.connectXero(product, tokens, chosen, actor)
      return { ok: true, connected: chosen }
    } catch (error) {
      return { ok: false, reason: plainXeroReason(error) }
    }
  }

  /** Autotask tax regions and billing codes beside Xero tax rates and accounts (cached lists), with a sensible choice preselected. */
  async mappingForm(
    product: Product
  ): Promise<{ ok: true; form: MappingForm } | MappingFormFailure> {
    if (!autotaskCredentialsOf(product)) {
      return {
        ok: false,
        step: 'autotask',
        reason: 'Connect Autotask first: the mappings list its tax regions and billing codes.',
      }
    }
    if (!product.xeroTenantId || !product.xeroTokens) {
      return {
        ok: false,
        step: 'xero',
        reason: 'Connect to Xero first: the mappings list its tax rates and accounts.',
      }
    }
    const lists = await this.liveLists.lists(product, MAPPING_LISTS)
    // Never fetched and the service refused: nothing to map against yet.
    const missing = MAPPING_LISTS.map((kind) => lists[kind]).find(
      (list) => list.problem && list.entries.length === 0 && !list.fetchedAt
    )
    if (missing) {
      return {
        ok: false,
        step: missing.source,
        reason: `${missing.problem} Nothing was saved.`,
      }
    }
    const stored = await Mapping.query().where('product_id', product.id)
    const storedValue = (kind: MappingKind, autotaskValue: string) =>
      stored.find((mapping) => mapping.kind === kind && mapping.autotaskValue === autotaskValue)
        ?.xeroValue ?? null

    // The cached entries, in the shapes the preselection matches on.
    const usableRates: XeroTaxRate[] = lists.xero_tax_rates.entries
      .filter((entry) => entry.facts?.revenue !== '0')
      .map((entry) => ({
        name: entry.facts?.name ?? entry.label,
        taxType: entry.value,
        rate: entry.facts?.rate ?? '-1',
        status: 'ACTIVE',
        canApplyToRevenue: true,
        canApplyToExpenses: true,
      }))
    const usableAccounts: XeroAccount[] = lists.xero_accounts.entries
      .map((entry) => ({
        accountId: entry.value,
        code: entry.value,
        name: entry.facts?.name ?? entry.label,
        type: entry.facts?.type ?? '',
        taxType: null,
        status: 'ACTIVE',
      }))
      .sort((a, b) => revenueFirst(a) - revenueFirst(b) || a.code.localeCompare(b.code))
    const accountCodes = new Set(usableAccounts.map((account) => account.code!))
    const rateTypes = new Set(usableRates.map((rate) => rate.taxType))
    const itemCodes = new Set(lists.xero_items.entries.map((item) => item.value))
    const codes = lists.autotask_billing_codes.entries
    const keep = (value: string | null, allowed: Set<string>) =>
      value !== null && allowed.has(value) ? value : null
    const rowsOf = (kind: MappingKind, list: LiveListView) =>
      list.entries.map((entry) => ({
        key: `id${entry.value}`,
        autotaskValue: entry.value,
        autotaskLabel: entry.label,
        selected: storedValue(kind, entry.value),
      }))

    return {
      ok: true,
      form: {
        lists,
        tracking: {
          categories: lists.xero_tracking_categories,
          dimensions: trackingDimensions.map((dimension) => ({
            dimension,
            label: dimensionLabels[dimension],
            category: storedValue('tracking_category', dimension),
            rows: rowsOf(dimension, lists[dimensionLists[dimension]]),
            list: lists[dimensionLists[dimension]],
          })),
          unmapped: product.effectiveSettings.trackingUnmapped,
        },
        invoiceTemplates: {
          rows: rowsOf('invoice_template', lists.autotask_invoice_templates),
          templates: lists.autotask_invoice_templates,
          themes: lists.xero_branding_themes,
        },
        taxRegions: lists.autotask_tax_regions.entries.map((region) => ({
          key: `id${region.value}`,
          autotaskValue: region.value,
          autotaskLabel: region.label,
          selected:
            keep(storedValue('tax_region', region.value), rateTypes) ??
            matchTaxRate(
              region.facts?.name ?? region.label,
              new Decimal(region.facts?.rate ?? -1),
              usableRates
            ),
        })),
        billingCodeItems: codes.map((code) => ({
          key: `id${code.value}`,
          autotaskValue: code.value,
          autotaskLabel: code.label,
          selected: keep(storedValue('billing_code_item', code.value), itemCodes),
        })),
        itemOptions: lists.xero_items.entries.map(({ value, label }) => ({ value, label })),
        billingCodes: codes.map((code) => ({
          key: `id${code.value}`,
          autotaskValue: code.value,
          autotaskLabel: code.label,
          selected:
            keep(storedValue('billing_code', code.value), accountCodes) ??
            matchAccount(code.facts?.name ?? code.label, code.facts?.gl ?? null, usableAccounts),
        })),
        taxRateOptions: lists.xero_tax_rates.entries
          .filter((entry) => rateTypes.has(entry.value))
          .map(({ value, label }) => ({ value, label })),
        accountOptions: usableAccounts.map((account) => ({
          value: account.code!,
          label: `${account.code} · ${account.name}`,
        })),
        defaultAccount:
          keep(storedValue('billing_code', DEFAULT_MAPPING_VALUE), accountCodes) ??
          defaultRevenueAccount(usableAccounts),
      },
    }
  }

  /** Upserts the chosen mappings (one row per product, kind and Autotask value); a row left blank removes its mapping. */
  async saveMappings(
    product: Product,
    form: MappingForm,
    input: MappingInput,
    actor: string
  ): Promise<
    | { ok: true; saved: number; changes: Record<string, { from: unknown; to: unknown }> }
    | SetupFailure
  > {
    const rates = new Map(form.taxRateOptions.map((option) => [option.value, option.label]))
    const accounts = new Map(form.accountOptions.map((option) => [option.value, option.label]))
    const items = new Map(form.itemOptions.map((option) => [option.value, option.label]))
    if (!accounts.has(input.defaultAccount)) {
      return {
        ok: false,
        reason: `Account ${input.defaultAccount} is not an active account in this Xero organisation.`,
      }
    }
    const planned =
      (kind: MappingKind, chosen: MappingInput['taxRegions'], labels: Map<string, string>) =>
      (row: MappingRow) =>
        ({ kind, row, xeroValue: chosen?.[row.key] || null, labels }) as PlannedMapping
    const wanted: PlannedMapping[] = [
      ...form.taxRegions.map(planned('tax_region', input.taxRegions, rates)),
      ...form.billingCodes.map(planned('billing_code', input.billingCodes, accounts)),
      ...form.billingCodeItems.map(planned('billing_code_item', input.billingCodeItems, items)),
      {
        kind: 'billing_code',
        row: { autotaskValue: DEFAULT_MAPPING_VALUE, autotaskLabel: 'Default account' },
        xeroValue: input.defaultAccount,
        labels: accounts,
      },
    ]
    const tracking = plannedTracking(form, input)
    if (!tracking.ok) return tracking
    wanted.push(...tracking.wanted)
    const themes = new Map(
      form.invoiceTemplates.themes.entries.map((entry) => [entry.value, entry.label])
    )
    wanted.push(
      ...form.invoiceTemplates.rows
        .map(planned('invoice_template', input.invoiceTemplates, themes))
        .map((entry) => ({ ...entry, optional: true }))
    )
    const unknown = wanted.find(
      (entry) => entry.xeroValue !== null && !entry.labels.has(entry.xeroValue)
    )
    if (unknown) {
      return {
        ok: false,
        reason: `"${unknown.xeroValue}" is not available in Xero for ${unknown.row.autotaskLabel}. Reload the page and choose again.`,
      }
    }

    // Old → new per Autotask value, for the audit trail.
    const keyOf = (kind: string, value: string) => `${kind}:${value}`
    const before = Object.fromEntries(
      (await Mapping.query().where('product_id', product.id)).map((m) => [
        keyOf(m.kind, m.autotaskValue),
        m.xeroValue,
      ])
    )
    const after = Object.fromEntries(
      wanted.map((entry) => [keyOf(entry.kind, entry.row.autotaskValue), entry.xeroValue])
    )
    const unmappedBefore = product.effectiveSettings.trackingUnmapped
    const unmappedAfter = input.trackingUnmapped ?? unmappedBefore
    before['setting:trackingUnmapped'] = unmappedBefore
    after['setting:trackingUnmapped'] = unmappedAfter
    let saved = 0
    await db.transaction(async (trx) => {
      if (unmappedAfter !== unmappedBefore) {
        product.useTransaction(trx)
        product.settings = { ...(product.settings ?? {}), trackingUnmapped: unmappedAfter }
        await product.save()
      }
      for (const entry of wanted) {
        const key = {
          productId: product.id,
          kind: entry.kind,
          autotaskValue: entry.row.autotaskValue,
        }
        if (entry.xeroValue === null) {
          await Mapping.query({ client: trx })
            .where('product_id', key.productId)
            .where('kind', key.kind)
            .where('autotask_value', key.autotaskValue)
            .delete()
          continue
        }
        const values = {
          autotaskLabel: entry.row.autotaskLabel,
          xeroValue: entry.xeroValue,
          xeroLabel: entry.labels.get(entry.xeroValue) ?? null,
        }
        await Mapping.updateOrCreate(key, values, { client: trx })
        saved++
      }
    })
    const unmapped = wanted.filter((entry) => entry.xeroValue === null && !entry.optional)
    await this.logs.write({
      productId: product.id,
      event: 'mappings.saved',
      message:
        `Mappings saved by ${actor}: ${saved} mapped, default account ${input.defaultAccount}` +
        (unmapped.length
          ? `; not mapped: ${unmapped.map((entry) => entry.row.autotaskLabel).join(', ')}`
          : ''),
      actor,
    })
    return { ok: true, saved, changes: changesOf({ ...after, ...before }, { ...before, ...after }) }
  }

  private async connectXero(
    product: Product,
    tokens: XeroOAuthTokens,
    tenant: XeroTenantChoice,
    actor: string
  ) {
    await this.xeroTokens.connect(xeroConnectionOf(product), tokens, tenant)
    await this.logs.write({
      productId: product.id,
      event: 'product.xero_connected',
      message: `Xero organisation "${tenant.tenantName}" connected by ${actor}`,
      actor,
    })
  }
}

/**
 * The tracking rows to write: a category per dimension (at most two, each a different one) and,
 * for a tracked dimension, an option of its category per Autotask value; an untracked dimension's rows go.
 */
function plannedTracking(
  form: MappingForm,
  input: MappingInput
): { ok: true; wanted: PlannedMapping[] } | SetupFailure {
  const categories = new Map(
    form.tracking.categories.entries.map((entry) => [entry.value, entry.members ?? []])
  )
  const chosen = form.tracking.dimensions.map((dimension) => ({
    ...dimension,
    chosen: input.trackingCategories?.[dimension.dimension] || null,
  }))
  const tracked = chosen.filter((dimension) => dimension.chosen)
  if (tracked.length > MAX_TRACKING_CATEGORIES) {
    return {
      ok: false,
      reason: `Xero takes at most ${MAX_TRACKING_CATEGORIES} tracking categories on a line: track at most two of ${tracked.map((d) => d.label.toLowerCase()).join(', ')}.`,
    }
  }
  const twice = tracked.find((dimension, index) =>
    tracked.slice(0, index).some((other) => other.chosen === dimension.chosen)
  )
  if (twice) {
    return {
      ok: false,
      reason: `The tracking category "${twice.chosen}" is chosen for two dimensions: a line takes one option of each category, so choose another.`,
    }
  }
  const categoryLabels = new Map([...categories.keys()].map((name) => [name, name]))
  const wanted: PlannedMapping[] = []
  for (const dimension of chosen) {
    wanted.push({
      kind: 'tracking_category',
      row: { autotaskValue: dimension.dimension, autotaskLabel: dimension.label },
      xeroValue: dimension.chosen,
      labels: categoryLabels,
      optional: true,
    })
    const options = new Map(
      (dimension.chosen ? (categories.get(dimension.chosen) ?? []) : []).map((name) => [name, name])
    )
    const answers = input.trackingOptions?.[dimension.dimension]
    for (const row of dimension.rows) {
      wanted.push({
        kind: dimension.dimension,
        row: {
          autotaskValue: row.autotaskValue,
          autotaskLabel: `${dimension.label} ${row.autotaskLabel}`,
        },
        xeroValue: dimension.chosen ? answers?.[row.key] || null : null,
        labels: options,
        optional: !dimension.chosen,
      })
    }
  }
  return { ok: true, wanted }
}

/** The client's words, minus "it will be tried again": in the wizard a person retries. */
function plainAutotaskReason(reason: string) {
  return `${reason.replace(/[;,]?\s*it will be tried again( later)?\./i, '.')} Nothing was saved.`
}

function plainXeroReason(error: unknown): string {
  if (error instanceof XeroAuthorizationError) {
    switch (error.reason) {
      case 'state_mismatch':
        return 'The answer from Xero did not match this sign-in (it came from an older attempt or another tab). Nothing was saved; connect to Xero again.'
      case 'invalid_scope':
        return `${error.message} Nothing was saved.`
      case 'access_denied':
        return 'Access to Xero was not allowed, so nothing was connected. Connect to Xero again and choose "Allow access".'
      case 'invalid_grant':
        return 'Xero refused the sign-in code (it expired or was already used). Nothing was saved; connect to Xero again.'
      case 'invalid_client':
        return "Xero rejected this app's client id or secret (XERO_CLIENT_ID / XERO_CLIENT_SECRET). Ask the administrator of this server to check them."
      default:
        return `${error.message} Nothing was saved; connect to Xero again.`
    }
  }
  if (error instanceof XeroReconnectRequiredError) {
    return 'Xero no longer accepts this sign-in. Nothing was saved; connect to Xero again.'
  }
  if (error instanceof XeroTransientError) {
    return `${error.message} Nothing was saved; try again in a minute.`
  }
  if (error instanceof XeroError) return `${error.message} Nothing was saved.`
  throw error
}

function words(text: string) {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((word) => word.length > 1)
  )
}

function sharedWords(a: string, b: string) {
  const left = words(a)
  return [...words(b)].filter((word) => left.has(word)).length
}

/** The Xero rate with the same percentage; among several, the one whose name shares most words with the region's. */
function matchTaxRate(regionName: string, rate: Decimal, rates: XeroTaxRate[]): string | null {
  const same = rates.filter((candidate) => new Decimal(candidate.rate).equals(rate))
  if (same.length === 0) return null
  const best = [...same].sort(
    (a, b) => sharedWords(regionName, b.name) - sharedWords(regionName, a.name)
  )[0]
  return best.taxType
}

/** The account whose code is the billing code's GL number, else the one with the same name. */
function matchAccount(
  name: string,
  externalNumber: string | null,
  accounts: XeroAccount[]
): string | null {
  const byCode = externalNumber
    ? accounts.find((account) => account.code === externalNumber.trim())
    : undefined
  if (byCode) return byCode.code
  const byName = accounts.find(
    (account) => account.name.trim().toLowerCase() === name.trim().toLowerCase()
  )
  return byName?.code ?? null
}

function revenueFirst(account: XeroAccount) {
  return REVENUE_ACCOUNT_TYPES.includes(account.type.toUpperCase()) ? 0 : 1
}

/** Sales, else the first revenue account: where an unmapped billing code's line goes. */
function defaultRevenueAccount(accounts: XeroAccount[]): string | null {
  const revenue = accounts.filter((account) => revenueFirst(account) === 0)
  return (
    (revenue.find((account) => /^sales$/i.test(account.name.trim())) ?? revenue[0])?.code ?? null
  )
}
