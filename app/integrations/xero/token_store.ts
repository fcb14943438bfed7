import type { LockService } from '@adonisjs/lock/types'
import Product, { type XeroTokenSet } from '#models/product'
import type { XeroOAuth, XeroOAuthTokens } from '#integrations/xero/xero_oauth'
import {
  XeroNotConnectedError,
  XeroReconnectRequiredError,
  XeroTransientError,
} from '#integrations/xero/errors'

export const RECONNECT_MESSAGE =
  'Xero no longer accepts this connection (it was revoked, expired after 60 days unused, or replaced). ' +
  'Reconnect Xero in Settings to resume syncing; nothing has been deleted.'

export interface XeroTokenStoreOptions {
  /** Refresh this many seconds before the access token expires. */
  refreshAheadSeconds?: number
  /** How long to wait for another process's refresh before giving up. */
  lockWaitMs?: number
  now?: () => number
}

/**
 * Keeps a product's Xero tokens fresh. Xero rotates the refresh token on every
 * refresh, so refreshes are single-flight across processes (a database lock)
 * and the row is re-read after the lock: whoever waited uses the winner's tokens.
 */
export class XeroTokenStore {
  private refreshAheadMs: number
  private lockWaitMs: number
  private now: () => number

  constructor(
    private oauth: XeroOAuth,
    private locks: Pick<LockService, 'createLock'>,
    options: XeroTokenStoreOptions = {}
  ) {
    this.refreshAheadMs = (options.refreshAheadSeconds ?? 120) * 1000
    this.lockWaitMs = options.lockWaitMs ?? 30_000
    this.now = options.now ?? Date.now
  }

  /** A usable access token for the product, refreshed first when it expires soon. */
  async accessToken(product: Product): Promise<string> {
    const tokens = product.xeroTokens
    if (!tokens) throw new XeroNotConnectedError(`Product ${product.id} is not connected to Xero.`)
    if (!this.expiresSoon(tokens)) return tokens.accessToken
    return (await this.refresh(product)).accessToken
  }

  /**
   * Refreshes the product's tokens, unless another process did while we waited
   * for the lock. Pass the access token Xero just rejected to force a refresh.
   */
  async refresh(product: Product, rejectedAccessToken?: string): Promise<XeroTokenSet> {
    const lock = this.locks.createLock(`xero-token-refresh:${product.id}`, '30s')
    const acquired = await lock.acquire({
      retry: { attempts: Math.ceil(this.lockWaitMs / 50), delay: 50 },
    })
    if (!acquired)
      throw new XeroTransientError(
        'Another worker is refreshing the Xero token; try again shortly.',
        'timeout'
      )
    try {
      const fresh = await Product.query().where('id', product.id).firstOrFail()
      const current = fresh.xeroTokens
      if (!current)
        throw new XeroNotConnectedError(`Product ${product.id} is not connected to Xero.`)
      const stale = rejectedAccessToken ?? product.xeroTokens?.accessToken
      if (current.accessToken !== stale && !this.expiresSoon(current)) {
        this.adopt(product, fresh)
        return current
      }
      let next: XeroOAuthTokens
      try {
        next = await this.oauth.refresh(current.refreshToken)
      } catch (error) {
        if (error instanceof XeroReconnectRequiredError) await this.markDisconnected(product)
        throw error
      }
      fresh.xeroTokens = {
        accessToken: next.accessToken,
        refreshToken: next.refreshToken,
        expiresAt: next.expiresAt,
      }
      fresh.xeroHealth = 'ok'
      fresh.xeroHealthMessage = null
      await fresh.save()
      this.adopt(product, fresh)
      return fresh.xeroTokens
    } finally {
      await lock.release()
    }
  }

  /** Stores the tokens and organisation chosen at the end of the OAuth flow. */
  async connect(
    product: Product,
    tokens: XeroOAuthTokens,
    tenant: { tenantId: string; tenantName: string }
  ) {
    product.merge({
      xeroTokens: {
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresAt: tokens.expiresAt,
      },
      xeroTenantId: tenant.tenantId,
      xeroTenantName: tenant.tenantName,
      xeroHealth: 'ok',
      xeroHealthMessage: null,
    })
    await product.save()
  }

  private expiresSoon(tokens: XeroTokenSet): boolean {
    return Date.parse(tokens.expiresAt) - this.refreshAheadMs <= this.now()
  }

  /** Marks the Xero card red with a plain message; tokens, settings and records stay. */
  private async markDisconnected(product: Product) {
    await Product.query()
      .where('id', product.id)
      .update({ xero_health: 'error', xero_health_message: RECONNECT_MESSAGE })
    this.adopt(product, { xeroHealth: 'error', xeroHealthMessage: RECONNECT_MESSAGE })
  }

  /** Copies stored values into the caller's instance without marking it dirty. */
  private adopt(
    product: Product,
    from: Partial<Pick<Product, 'xeroTokens' | 'xeroHealth' | 'xeroHealthMessage'>>
  ) {
    for (const key of ['xeroTokens', 'xeroHealth', 'xeroHealthMessage'] as const) {
      if (!(key in from) && !(from instanceof Product)) continue
      const value = from[key]
      product.$attributes[key] = value
      product.$original[key] = value
    }
  }
}
