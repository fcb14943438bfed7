import lock from '@adonisjs/lock/services/main'
import { XERO_SCOPE_SETS, type XeroConfig } from '#config/xero'
import { XeroOAuth } from '#integrations/xero/xero_oauth'
import { XeroTokenStore } from '#integrations/xero/token_store'
import type { XeroBudget } from '#integrations/xero/xero_budget'
import { XeroNodeGateway } from '#integrations/xero/xero_node_gateway'
import { ProductFactory } from '#database/factories/product_factory'
import {
  startXeroSandbox,
  XERO_SANDBOX_CLIENT_ID,
  XERO_SANDBOX_CLIENT_SECRET,
  XERO_SANDBOX_TENANTS,
  type XeroSandbox,
  type XeroSandboxOptions,
} from '#sandbox/xero/index'

export const XERO_CONTRACT = new URL(
  '../../../shared/reference/xero_accounting.yaml',
  import.meta.url
).pathname

/** A sandbox in strict mode: every request is checked against the official contract. */
export function startStrictXeroSandbox(options: XeroSandboxOptions = {}) {
  return startXeroSandbox({ port: 0, validateAgainst: XERO_CONTRACT, ...options })
}

/** App configuration pointing every Xero URL at the sandbox; the scopes follow `scopeSet` (granular by default). */
export function xeroConfigFor(
  sandbox: XeroSandbox,
  overrides: Partial<XeroConfig> = {}
): XeroConfig {
  const scopeSet = overrides.scopeSet ?? 'granular'
  return {
    apiUrl: sandbox.apiUrl,
    authorizeUrl: sandbox.authorizeUrl,
    tokenUrl: sandbox.tokenUrl,
    connectionsUrl: sandbox.connectionsUrl,
    clientId: XERO_SANDBOX_CLIENT_ID,
    clientSecret: XERO_SANDBOX_CLIENT_SECRET,
    redirectUri: 'http://127.0.0.1:3402/xero/callback',
    scopeSet,
    scopes: XERO_SCOPE_SETS[scopeSet],
    timeoutMs: 2000,
    refreshAheadSeconds: 120,
    ...overrides,
  }
}

/** The production classes wired to the sandbox, sharing the app's database lock. */
export function xeroStackFor(
  sandbox: XeroSandbox,
  overrides: Partial<XeroConfig> = {},
  budget: XeroBudget | null = null
) {
  const config = xeroConfigFor(sandbox, overrides)
  const oauth = new XeroOAuth(config)
  const tokens = new XeroTokenStore(oauth, lock, {
    refreshAheadSeconds: config.refreshAheadSeconds,
  })
  const gateway = new XeroNodeGateway(config, tokens, oauth, budget)
  return { config, oauth, tokens, gateway }
}

/** A product connected to the NZ organisation of the sandbox with a fresh token pair. */
export async function connectedProduct(
  sandbox: XeroSandbox,
  tenantId: string = XERO_SANDBOX_TENANTS.nz.tenantId
) {
  const connection = sandbox.state.connect([XERO_SANDBOX_TENANTS.nz.tenantId])
  return ProductFactory.with('account')
    .merge({
      xeroTenantId: tenantId,
      xeroTenantName: 'Sandbox',
      xeroHealth: 'ok',
      xeroTokens: {
        accessToken: connection.accessToken,
        refreshToken: connection.refreshToken,
        expiresAt: connection.expiresAt.toISOString(),
      },
    })
    .create()
}

/** Sets a knob over HTTP, as the demo and benchmarks do. */
export async function knob(sandbox: XeroSandbox, path: string, body: unknown = {}) {
  const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok)
    throw new Error(`knob ${path} failed: ${response.status} ${await response.text()}`)
  return response.json()
}
