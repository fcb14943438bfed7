import env from '#start/env'

/**
 * Which OAuth scopes to ask for. Xero apps created on or after 2 March 2026 may only ask for the granular
 * scopes; older apps may keep the broad ones until September 2027
 * (https://developer.xero.com/faq/granular-scopes).
 */
export type XeroScopeSet = 'granular' | 'legacy'

/**
 * The least each set needs for what the app calls (app/integrations/xero): Invoices (with OnlineInvoice) and
 * PurchaseOrders are read and written, Contacts read and created, TaxRates, Accounts, Items, TrackingCategories
 * and Organisation only read. Scope → endpoints: https://developer.xero.com/documentation/guides/oauth2/scopes
 * (`.read` = GET only); granular split of accounting.transactions: https://www.apideck.com/blog/xero-scopes.
 */
const USER_SCOPES = ['openid', 'profile', 'email', 'offline_access']
export const XERO_SCOPE_SETS: Record<XeroScopeSet, string[]> = {
  granular: [
    ...USER_SCOPES,
    'accounting.invoices',
    'accounting.contacts',
    'accounting.settings.read',
  ],
  legacy: [
    ...USER_SCOPES,
    'accounting.transactions',
    'accounting.contacts',
    'accounting.settings.read',
  ],
}

/** Where and how the app reaches Xero; every URL can point at the sandbox (PRODUCT.md §7). */
export interface XeroConfig {
  apiUrl: string
  authorizeUrl: string
  tokenUrl: string
  connectionsUrl: string
  clientId: string
  clientSecret: string
  redirectUri: string
  scopeSet: XeroScopeSet
  scopes: string[]
  timeoutMs: number
  /** Refresh an access token this long before it expires. */
  refreshAheadSeconds: number
}

const scopeSet = env.get('XERO_SCOPE_SET', 'granular')

const xeroConfig: XeroConfig = {
  apiUrl: env.get('XERO_API_URL', 'https://api.xero.com/api.xro/2.0'),
  authorizeUrl: env.get('XERO_AUTHORIZE_URL', 'https://login.xero.com/identity/connect/authorize'),
  tokenUrl: env.get('XERO_TOKEN_URL', 'https://identity.xero.com/connect/token'),
  connectionsUrl: env.get('XERO_CONNECTIONS_URL', 'https://api.xero.com/connections'),
  clientId: env.get('XERO_CLIENT_ID', ''),
  clientSecret: env.get('XERO_CLIENT_SECRET', ''),
  redirectUri: env.get('XERO_REDIRECT_URI', 'http://localhost:3333/xero/callback'),
  scopeSet,
  scopes: XERO_SCOPE_SETS[scopeSet],
  timeoutMs: env.get('XERO_TIMEOUT_MS', 30_000),
  refreshAheadSeconds: 120,
}

export default xeroConfig
