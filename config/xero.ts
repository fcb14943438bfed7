import env from '#start/env'

/** Where and how the app reaches Xero; every URL can point at the sandbox (PRODUCT.md §7). */
export interface XeroConfig {
  apiUrl: string
  authorizeUrl: string
  tokenUrl: string
  connectionsUrl: string
  clientId: string
  clientSecret: string
  redirectUri: string
  scopes: string[]
  timeoutMs: number
  /** Refresh an access token this long before it expires. */
  refreshAheadSeconds: number
}

const xeroConfig: XeroConfig = {
  apiUrl: env.get('XERO_API_URL', 'https://api.xero.com/api.xro/2.0'),
  authorizeUrl: env.get('XERO_AUTHORIZE_URL', 'https://login.xero.com/identity/connect/authorize'),
  tokenUrl: env.get('XERO_TOKEN_URL', 'https://identity.xero.com/connect/token'),
  connectionsUrl: env.get('XERO_CONNECTIONS_URL', 'https://api.xero.com/connections'),
  clientId: env.get('XERO_CLIENT_ID', ''),
  clientSecret: env.get('XERO_CLIENT_SECRET', ''),
  redirectUri: env.get('XERO_REDIRECT_URI', 'http://localhost:3333/xero/callback'),
  scopes: [
    'openid',
    'profile',
    'email',
    'offline_access',
    'accounting.transactions',
    'accounting.contacts',
    'accounting.settings',
  ],
  timeoutMs: env.get('XERO_TIMEOUT_MS', 30_000),
  refreshAheadSeconds: 120,
}

export default xeroConfig
