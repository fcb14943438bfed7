import { randomUUID } from 'node:crypto'
import type { SandboxAnswer } from '#sandbox/xero/accounting'
import type { SandboxClient } from '#sandbox/xero/types'

/**
 * Xero apps created on or after this day may only ask for the granular scopes; older ones may keep the broad
 * scopes until September 2027 (https://developer.xero.com/faq/granular-scopes).
 */
export const GRANULAR_SCOPES_CUTOFF = '2026-03-02'

/** The broad scopes replaced by granular ones (https://www.apideck.com/blog/xero-scopes, "What exactly changed"). */
export const BROAD_SCOPES = [
  'accounting.transactions',
  'accounting.transactions.read',
  'accounting.reports.read',
]

/** The granular set the sandbox's connections get unless a test asks for others. */
export const DEFAULT_SANDBOX_SCOPE =
  'openid profile email offline_access accounting.invoices accounting.contacts accounting.settings.read'

/**
 * Scopes the sandbox knows (https://developer.xero.com/documentation/guides/oauth2/scopes); anything else is
 * refused as `invalid_scope`, stricter than needed for the app, which asks for no others.
 */
const KNOWN_SCOPES = new Set([
  'openid',
  'profile',
  'email',
  'offline_access',
  ...BROAD_SCOPES,
  ...[
    'accounting.invoices',
    'accounting.payments',
    'accounting.banktransactions',
    'accounting.manualjournals',
    'accounting.settings',
    'accounting.contacts',
    'accounting.attachments',
  ].flatMap((scope) => [scope, `${scope}.read`]),
  'accounting.journals.read',
  'accounting.budgets.read',
])

const INVOICES = ['accounting.invoices', 'accounting.transactions']
const PAYMENTS = ['accounting.payments', 'accounting.transactions']
const BANK = ['accounting.banktransactions', 'accounting.transactions']
const SETTINGS = ['accounting.settings']
const CONTACTS = ['accounting.contacts']

/**
 * Accounting API resource → the full scopes that cover it; each one's `.read` form covers GET only. Legacy:
 * the scopes page (accounting.transactions, accounting.settings, accounting.contacts); granular: the apideck
 * table above (accounting.invoices covers credit notes, invoices, linked transactions, purchase orders, quotes,
 * repeating invoices and items; items stay under accounting.settings too).
 */
const RESOURCE_SCOPES: Record<string, string[]> = {
  invoices: INVOICES,
  creditnotes: INVOICES,
  purchaseorders: INVOICES,
  quotes: INVOICES,
  repeatinginvoices: INVOICES,
  linkedtransactions: INVOICES,
  items: ['accounting.invoices', ...SETTINGS],
  payments: PAYMENTS,
  batchpayments: PAYMENTS,
  overpayments: PAYMENTS,
  prepayments: PAYMENTS,
  banktransactions: BANK,
  banktransfers: BANK,
  manualjournals: ['accounting.manualjournals', 'accounting.transactions'],
  contacts: CONTACTS,
  contactgroups: CONTACTS,
  accounts: SETTINGS,
  brandingthemes: SETTINGS,
  currencies: SETTINGS,
  organisation: SETTINGS,
  taxrates: SETTINGS,
  trackingcategories: SETTINGS,
  users: SETTINGS,
}

/** Why an authorize request's scopes are refused (an OAuth `invalid_scope` description), or null. */
export function consentScopeProblem(client: SandboxClient, requested: string[]): string | null {
  const unknown = requested.filter((scope) => !KNOWN_SCOPES.has(scope))
  if (unknown.length > 0) return `Unknown scope: ${unknown.join(' ')}`
  const broad = requested.filter((scope) => BROAD_SCOPES.includes(scope))
  if (broad.length > 0 && client.createdOn >= GRANULAR_SCOPES_CUTOFF) {
    const created = `apps created on or after ${GRANULAR_SCOPES_CUTOFF}`
    return `Invalid scope for client: ${broad.join(' ')} is not available to ${created}`
  }
  return null
}

/**
 * The one scope hook of the Accounting API: a call no granted scope covers gets Xero's 401
 * (Title "Unauthorized", Detail "AuthorizationUnsuccessful": https://stackoverflow.com/questions/61047303) with
 * `insufficient_scope` in WWW-Authenticate (Xero staff, https://community.xero.com/developer/discussion/119166525).
 */
export function insufficientScope(
  grantedScope: string,
  method: string,
  resource?: string
): SandboxAnswer | null {
  const covering = RESOURCE_SCOPES[resource?.toLowerCase() ?? '']
  if (!covering) return null
  const granted = grantedScope.split(/\s+/)
  const allowed = covering.some(
    (scope) => granted.includes(scope) || (method === 'GET' && granted.includes(`${scope}.read`))
  )
  if (allowed) return null
  return {
    status: 401,
    headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' },
    body: {
      Type: null,
      Title: 'Unauthorized',
      Status: 401,
      Detail: 'AuthorizationUnsuccessful',
      Instance: randomUUID(),
      Extensions: {},
    },
  }
}
