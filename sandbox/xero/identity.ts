import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { escapeHtml, type SandboxAnswer } from '#sandbox/xero/accounting'
import { consentScopeProblem } from '#sandbox/xero/scopes'
import { AUTH_CODE_LIFETIME_MS, type XeroSandboxState } from '#sandbox/xero/state'

/** Paths of the identity endpoints, on the sandbox's one host. */
export const IDENTITY_PATHS = {
  authorize: '/identity/connect/authorize',
  token: '/connect/token',
  revocation: '/connect/revocation',
  connections: '/connections',
} as const

function oauthError(status: number, error: string, description?: string): SandboxAnswer {
  return { status, body: { error, ...(description ? { error_description: description } : {}) } }
}

function page(title: string, body: string, status = 200): SandboxAnswer {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;color:#1e3240}button{padding:.5rem 1.5rem;margin-right:.5rem}
.allow{background:#13b5ea;color:#fff;border:0}</style></head><body>${body}</body></html>`,
  }
}

/** GET /identity/connect/authorize: the consent page with an organisation picker. */
export function authorizePage(state: XeroSandboxState, query: URLSearchParams): SandboxAnswer {
  const clientId = query.get('client_id') ?? ''
  const client = state.clients.get(clientId)
  if (!client) return page('Error', '<h1>unauthorized_client</h1><p>Unknown client_id.</p>', 400)
  const redirectUri = query.get('redirect_uri') ?? ''
  if (
    !/^https?:\/\//.test(redirectUri) ||
    (client.redirectUris && !client.redirectUris.includes(redirectUri))
  ) {
    return page('Error', '<h1>invalid_request</h1><p>Invalid redirect_uri.</p>', 400)
  }
  if (query.get('response_type') !== 'code') {
    return page(
      'Error',
      '<h1>unsupported_response_type</h1><p>Only response_type=code is supported.</p>',
      400
    )
  }
  const method = query.get('code_challenge_method')
  if (query.get('code_challenge') && method !== 'S256' && method !== 'plain') {
    return page('Error', '<h1>invalid_request</h1><p>Unsupported code_challenge_method.</p>', 400)
  }
  const scope = query.get('scope') ?? 'openid'
  const scopeProblem = consentScopeProblem(client, scope.split(/\s+/).filter(Boolean))
  if (scopeProblem) {
    // RFC 6749 §4.1.2.1: with a valid redirect_uri the refusal goes back to the app with its state; integrators
    // see Xero's `invalid_scope` there (https://help.apideck.com/en/articles/8647746).
    const target = new URL(redirectUri)
    target.searchParams.set('error', 'invalid_scope')
    target.searchParams.set('error_description', scopeProblem)
    if (query.get('state') !== null) target.searchParams.set('state', query.get('state')!)
    return { status: 302, headers: { location: target.toString() }, body: '' }
  }
  const requestId = randomUUID()
  state.consentRequests.set(requestId, {
    requestId,
    clientId,
    redirectUri,
    scope,
    state: query.get('state'),
    codeChallenge: query.get('code_challenge'),
    codeChallengeMethod: query.get('code_challenge') ? (method ?? 'plain') : null,
  })
  const options = state.organisations
    .map(
      (org, index) =>
        `<option value="${org.tenantId}"${index === 0 ? ' selected' : ''}>${escapeHtml(org.name)}</option>`
    )
    .join('')
  const scopes = scope
    .split(/\s+/)
    .map((entry) => `<li>${escapeHtml(entry)}</li>`)
    .join('')
  return page(
    'Allow access to Xero',
    `<h1>Accounting Toolbox wants to access your Xero organisation</h1>
<form method="post" action="${IDENTITY_PATHS.authorize}">
<input type="hidden" name="request_id" value="${requestId}">
<label for="tenant_id">Organisation</label>
<select id="tenant_id" name="tenant_id">${options}</select>
<p>It will be able to:</p><ul>${scopes}</ul>
<button class="allow" type="submit" name="decision" value="allow">Allow access</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form>`
  )
}

/** POST /identity/connect/authorize: the user's answer, redirected back to the app. */
export function consentAnswer(state: XeroSandboxState, form: URLSearchParams): SandboxAnswer {
  const request = state.consentRequests.get(form.get('request_id') ?? '')
  if (!request) return page('Error', '<h1>This consent request has expired.</h1>', 400)
  state.consentRequests.delete(request.requestId)
  const target = new URL(request.redirectUri)
  if (request.state !== null) target.searchParams.set('state', request.state)
  if (form.get('decision') !== 'allow') {
    target.searchParams.set('error', 'access_denied')
    return { status: 302, headers: { location: target.toString() }, body: '' }
  }
  const tenantIds = form.getAll('tenant_id').filter((tenantId) => state.organisation(tenantId))
  if (tenantIds.length === 0) return page('Error', '<h1>Choose an organisation.</h1>', 400)
  const grant = state.createGrant(request.clientId, tenantIds, request.scope)
  const code = randomBytes(24).toString('base64url')
  state.authCodes.set(code, {
    code,
    grantId: grant.grantId,
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
    expiresAt: state.clock.now() + AUTH_CODE_LIFETIME_MS,
    used: false,
  })
  target.searchParams.set('code', code)
  target.searchParams.set('scope', request.scope)
  target.searchParams.set('session_state', randomBytes(12).toString('base64url'))
  return { status: 302, headers: { location: target.toString() }, body: '' }
}

/** Client credentials from HTTP Basic or the form, as Xero accepts both. */
function clientOf(headers: Record<string, string | string[] | undefined>, form: URLSearchParams) {
  const authorization = String(headers.authorization ?? '')
  if (authorization.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8')
    const split = decoded.indexOf(':')
    return {
      id: decodeURIComponent(decoded.slice(0, split)),
      secret: decodeURIComponent(decoded.slice(split + 1)),
    }
  }
  return { id: form.get('client_id') ?? '', secret: form.get('client_secret') }
}

function tokenAnswer(state: XeroSandboxState, grantId: string): SandboxAnswer {
  const grant = state.grants.get(grantId)!
  const { accessToken, refreshToken } = state.issueTokens(grantId)
  const idToken = [
    Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
    Buffer.from(
      JSON.stringify({
        sub: grant.grantId,
        aud: grant.clientId,
        iss: 'xero-sandbox',
        iat: Math.floor(state.clock.now() / 1000),
      })
    ).toString('base64url'),
    '',
  ].join('.')
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    body: {
      id_token: grant.scope.includes('openid') ? idToken : undefined,
      access_token: accessToken.token,
      expires_in: Math.round((accessToken.expiresAt - state.clock.now()) / 1000),
      token_type: 'Bearer',
      refresh_token: refreshToken.token,
      scope: grant.scope,
    },
  }
}

/** POST /connect/token: `authorization_code` (with PKCE) and `refresh_token` (rotating). */
export function tokenEndpoint(
  state: XeroSandboxState,
  headers: Record<string, string | string[] | undefined>,
  form: URLSearchParams
): SandboxAnswer {
  const client = clientOf(headers, form)
  const known = state.clients.get(client.id)
  const grantType = form.get('grant_type')
  if (!known) return oauthError(400, 'invalid_client')
  if (grantType === 'authorization_code') {
    state.tokenExchangeCount += 1
    const code = state.authCodes.get(form.get('code') ?? '')
    const verifier = form.get('code_verifier')
    if (client.secret !== known.secret && !(code?.codeChallenge && client.secret === null)) {
      return oauthError(400, 'invalid_client')
    }
    if (!code || code.used || code.clientId !== client.id || state.clock.now() > code.expiresAt) {
      return oauthError(400, 'invalid_grant')
    }
    if (code.redirectUri !== form.get('redirect_uri'))
      return oauthError(400, 'invalid_grant', 'redirect_uri mismatch')
    if (code.codeChallenge) {
      const computed =
        code.codeChallengeMethod === 'S256'
          ? createHash('sha256')
              .update(verifier ?? '')
              .digest('base64url')
          : verifier
      if (!verifier || computed !== code.codeChallenge)
        return oauthError(400, 'invalid_grant', 'code_verifier is invalid')
    }
    code.used = true
    return tokenAnswer(state, code.grantId)
  }
  if (grantType === 'refresh_token') {
    if (client.secret !== known.secret) return oauthError(400, 'invalid_client')
    state.tokenRefreshCount += 1
    const token = state.refreshTokens.get(form.get('refresh_token') ?? '')
    if (
      state.refreshTokenProblem(token) !== null ||
      state.grants.get(token!.grantId)?.clientId !== client.id
    ) {
      return oauthError(400, 'invalid_grant')
    }
    if (token!.rotatedAt === null) token!.rotatedAt = state.clock.now()
    return tokenAnswer(state, token!.grantId)
  }
  return oauthError(400, 'unsupported_grant_type')
}

/** POST /connect/revocation: forgets a refresh token and the grant behind it. */
export function revocationEndpoint(state: XeroSandboxState, form: URLSearchParams): SandboxAnswer {
  state.revokeRefreshToken(form.get('token') ?? '', true)
  return { status: 200, body: '' }
}

/** The grant behind a valid, unexpired bearer token, or an answer saying why not. */
export function bearerGrant(
  state: XeroSandboxState,
  headers: Record<string, string | string[] | undefined>
): { grantId: string } | { answer: SandboxAnswer } {
  const authorization = String(headers.authorization ?? '')
  const match = /^Bearer\s+(.+)$/i.exec(authorization)
  const token = match ? state.accessTokens.get(match[1].trim()) : undefined
  const unauthorized = (detail: string): { answer: SandboxAnswer } => ({
    answer: {
      status: 401,
      headers: {
        'www-authenticate': `Bearer error="invalid_token", error_description="${detail}"`,
      },
      body: {
        Type: null,
        Title: 'Unauthorized',
        Status: 401,
        Detail: detail,
        Instance: randomUUID(),
        Extensions: {},
      },
    },
  })
  if (!token) return unauthorized('AuthenticationUnsuccessful')
  if (state.clock.now() >= token.expiresAt) {
    return unauthorized(`TokenExpired: token expired at ${new Date(token.expiresAt).toISOString()}`)
  }
  return { grantId: token.grantId }
}

/** GET /connections: the tenants a token may reach. */
export function connectionsEndpoint(
  state: XeroSandboxState,
  grantId: string,
  query: URLSearchParams
): SandboxAnswer {
  const grant = state.grants.get(grantId)!
  const authEventId = query.get('authEventId')
  const connections = grant.tenantIds
    .map((tenantId) => state.organisation(tenantId))
    .filter((org) => org !== undefined)
    .map((org) => ({
      id: createHash('sha1')
        .update(`${grant.grantId}:${org.tenantId}`)
        .digest('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5'),
      authEventId: grant.authEventId,
      tenantId: org.tenantId,
      tenantType: 'ORGANISATION',
      tenantName: org.name,
      createdDateUtc: new Date(grant.createdAt).toISOString().replace('Z', ''),
      updatedDateUtc: new Date(grant.createdAt).toISOString().replace('Z', ''),
    }))
    .filter((connection) => !authEventId || connection.authEventId === authEventId)
  return { status: 200, body: connections }
}

/** DELETE /connections/{id}: the user disconnects one organisation from the app. */
export function deleteConnection(
  state: XeroSandboxState,
  grantId: string,
  connectionId: string
): SandboxAnswer {
  const grant = state.grants.get(grantId)!
  const connection = (
    connectionsEndpoint(state, grantId, new URLSearchParams()).body as {
      id: string
      tenantId: string
    }[]
  ).find((candidate) => candidate.id === connectionId)
  if (!connection) return { status: 404, body: '' }
  grant.tenantIds = grant.tenantIds.filter((tenantId) => tenantId !== connection.tenantId)
  return { status: 204, body: '' }
}
