import type { LockService } from '@adonisjs/lock/types'
import type { XeroConnection, XeroTokenSet } from '#integrations/xero/xero_connection'
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

  /** A usable access token for the connection, refreshed first when it expires soon. */
  async accessToken(connection: XeroConnection): Promise<string> {
    const tokens = connection.tokens
    if (!tokens)
      throw new XeroNotConnectedError(`Product ${connection.productId} is not connected to Xero.`)
    if (!this.expiresSoon(tokens)) return tokens.accessToken
    return (await this.refresh(connection)).accessToken
  }

  /**
   * Refreshes the connection's tokens, unless another process did while we waited
   * for the lock. Pass the access token Xero just rejected to force a refresh.
   */
  async refresh(connection: XeroConnection, rejectedAccessToken?: string): Promise<XeroTokenSet> {
    const lock = this.locks.createLock(`xero-token-refresh:${connection.productId}`, '30s')
    const acquired = await lock.acquire({
      retry: { attempts: Math.ceil(this.lockWaitMs / 50), delay: 50 },
    })
    if (!acquired)
      throw new XeroTransientError(
        'Another worker is refreshing the Xero token; try again shortly.',
        'timeout'
      )
    try {
      const stale = rejectedAccessToken ?? connection.tokens?.accessToken
      const current = await connection.record.reload()
      if (!current)
        throw new XeroNotConnectedError(`Product ${connection.productId} is not connected to Xero.`)
      if (current.accessToken !== stale && !this.expiresSoon(current)) return current
      let next: XeroOAuthTokens
      try {
        next = await this.oauth.refresh(current.refreshToken)
      } catch (error) {
        if (error instanceof XeroReconnectRequiredError)
          await connection.record.markDisconnected(RECONNECT_MESSAGE)
        throw error
      }
      const rotated = tokenSetOf(next)
      await connection.record.saveTokens(rotated)
      return rotated
    } finally {
      await lock.release()
    }
  }

  /** Stores the tokens and organisation chosen at the end of the OAuth flow. */
  async connect(
    connection: XeroConnection,
    tokens: XeroOAuthTokens,
    tenant: { tenantId: string; tenantName: string }
  ) {
    await connection.record.connect(tokenSetOf(tokens), tenant)
  }

  private expiresSoon(tokens: XeroTokenSet): boolean {
    return Date.parse(tokens.expiresAt) - this.refreshAheadMs <= this.now()
  }
}

function tokenSetOf(tokens: XeroOAuthTokens): XeroTokenSet {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
  }
}
