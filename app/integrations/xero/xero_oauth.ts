import { createHash, randomBytes } from 'node:crypto'
import type { AxiosInstance } from 'axios'
import type { XeroConfig, XeroScopeSet } from '#config/xero'
import {
  XeroAuthorizationError,
  XeroReconnectRequiredError,
  XeroTransientError,
  errorFromResponse,
} from '#integrations/xero/errors'

/** Tokens as we keep them: `expiresAt` is an ISO instant. */
export interface XeroOAuthTokens {
  accessToken: string
  refreshToken: string
  expiresAt: string
  idToken?: string
  scope?: string
}

/** What the app must remember between redirecting the user and the callback (e.g. in the session). */
export interface XeroAuthorizationRequest {
  url: string
  state: string
  codeVerifier: string
}

export interface XeroTenantConnection {
  connectionId: string
  tenantId: string
  tenantName: string
  tenantType: string
  authEventId: string | null
}

/**
 * The OAuth 2.0 authorization-code flow with `state` and PKCE (S256). xero-node
 * hard-codes the identity hosts, so the token and connections calls are ours,
 * against configurable URLs.
 */
export class XeroOAuth {
  private http?: Promise<AxiosInstance>

  constructor(private config: XeroConfig) {}

  /** axios, loaded by the first token or connections call: a web process that never makes one does not hold it. */
  private client() {
    this.http ??= import('axios').then(({ default: axios }) =>
      axios.create({ timeout: this.config.timeoutMs, validateStatus: () => true })
    )
    return this.http
  }

  /** The scope set and scopes the consent URL asks for (shown in the wizard). */
  permissions(): { scopeSet: XeroScopeSet; scopes: string[] } {
    return { scopeSet: this.config.scopeSet, scopes: [...this.config.scopes] }
  }

  /** Builds the consent URL with a fresh state and PKCE verifier. */
  startAuthorization(): XeroAuthorizationRequest {
    const state = randomBytes(24).toString('base64url')
    const codeVerifier = randomBytes(48).toString('base64url')
    const url = new URL(this.config.authorizeUrl)
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('client_id', this.config.clientId)
    url.searchParams.set('redirect_uri', this.config.redirectUri)
    url.searchParams.set('scope', this.config.scopes.join(' '))
    url.searchParams.set('state', state)
    url.searchParams.set(
      'code_challenge',
      createHash('sha256').update(codeVerifier).digest('base64url')
    )
    url.searchParams.set('code_challenge_method', 'S256')
    return { url: url.toString(), state, codeVerifier }
  }

  /** Checks the callback (state, denial) and exchanges its code for tokens. */
  async handleCallback(
    callback: { code?: string | null; state?: string | null; error?: string | null },
    expected: { state: string; codeVerifier: string }
  ): Promise<XeroOAuthTokens> {
    if (!callback.state || callback.state !== expected.state) {
      throw new XeroAuthorizationError(
        'The Xero sign-in could not be verified (state mismatch). Start again.',
        'state_mismatch'
      )
    }
    if (callback.error === 'invalid_scope' || callback.error === 'unauthorized_client') {
      throw new XeroAuthorizationError(this.scopeRefusal(callback.error), 'invalid_scope')
    }
    if (callback.error) {
      throw new XeroAuthorizationError(
        callback.error === 'access_denied'
          ? 'Access to Xero was not allowed.'
          : `Xero sign-in failed: ${callback.error}`,
        callback.error === 'access_denied' ? 'access_denied' : 'other'
      )
    }
    if (!callback.code)
      throw new XeroAuthorizationError('Xero did not return an authorization code.', 'other')
    return this.tokenRequest({
      grant_type: 'authorization_code',
      code: callback.code,
      redirect_uri: this.config.redirectUri,
      code_verifier: expected.codeVerifier,
    })
  }

  /**
   * What to do when Xero refuses the scopes: apps created on or after 2 March 2026 get `invalid_scope` (or
   * `unauthorized_client`, "Invalid scope for client") for the broad ones
   * (https://developer.xero.com/faq/granular-scopes, https://help.apideck.com/en/articles/8647746).
   */
  private scopeRefusal(error: string): string {
    const refused = `Xero refused the requested permissions (${error}).`
    if (this.config.scopeSet === 'legacy') {
      return (
        `${refused} This Xero app was created on or after 2 March 2026 and must use the granular scopes: ` +
        'set XERO_SCOPE_SET=granular (the default) on this server, restart it, and connect again.'
      )
    }
    return (
      `${refused} This server asks for the granular scopes (${this.config.scopes.join(' ')}). ` +
      'A Xero app created before 2 March 2026 that may not ask for them yet must use the broad ones: ' +
      'set XERO_SCOPE_SET=legacy on this server, restart it, and connect again.'
    )
  }

  /** Trades a refresh token for a new token pair; Xero rotates the refresh token every time. */
  async refresh(refreshToken: string): Promise<XeroOAuthTokens> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken })
  }

  /** The organisations this access token may reach. */
  async connections(accessToken: string): Promise<XeroTenantConnection[]> {
    const response = await this.send(async () =>
      (await this.client()).get(this.config.connectionsUrl, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      })
    )
    if (response.status !== 200)
      throw errorFromResponse(response.status, response.data, response.headers as any)
    return (response.data as any[]).map((connection) => ({
      connectionId: connection.id,
      tenantId: connection.tenantId,
      tenantName: connection.tenantName,
      tenantType: connection.tenantType,
      authEventId: connection.authEventId ?? null,
    }))
  }

  private async tokenRequest(form: Record<string, string>): Promise<XeroOAuthTokens> {
    const basic = Buffer.from(
      `${encodeURIComponent(this.config.clientId)}:${encodeURIComponent(this.config.clientSecret)}`
    ).toString('base64')
    const requestedAt = Date.now()
    const response = await this.send(async () =>
      (await this.client()).post(this.config.tokenUrl, new URLSearchParams(form).toString(), {
        headers: {
          'authorization': `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          'accept': 'application/json',
        },
      })
    )
    const body = response.data ?? {}
    if (response.status === 200 && body.access_token) {
      return {
        accessToken: body.access_token,
        refreshToken: body.refresh_token,
        expiresAt: new Date(requestedAt + Number(body.expires_in ?? 1800) * 1000).toISOString(),
        idToken: body.id_token,
        scope: body.scope,
      }
    }
    if (body.error === 'invalid_grant') {
      if (form.grant_type === 'refresh_token') {
        throw new XeroReconnectRequiredError(
          'Xero no longer accepts the saved connection (invalid_grant).',
          response.status,
          body
        )
      }
      throw new XeroAuthorizationError(
        'Xero refused the authorization code (invalid_grant).',
        'invalid_grant'
      )
    }
    if (body.error === 'invalid_client') {
      throw new XeroAuthorizationError(
        'Xero rejected the app credentials (invalid_client).',
        'invalid_client'
      )
    }
    throw errorFromResponse(response.status, body, response.headers as any)
  }

  private async send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error: any) {
      const timedOut = error?.code === 'ECONNABORTED' || error?.code === 'ETIMEDOUT'
      throw new XeroTransientError(
        timedOut
          ? 'Xero identity did not answer in time.'
          : `Xero identity could not be reached: ${error?.message}`,
        timedOut ? 'timeout' : 'network'
      )
    }
  }
}
