import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { handleAccounting, onlineInvoicePage, type SandboxAnswer } from '#sandbox/xero/accounting'
import { ContractValidator } from '#sandbox/xero/contract'
import {
  authorizePage,
  bearerGrant,
  connectionsEndpoint,
  consentAnswer,
  deleteConnection,
  IDENTITY_PATHS,
  revocationEndpoint,
  tokenEndpoint,
} from '#sandbox/xero/identity'
import { GRANULAR_SCOPES_CUTOFF, insufficientScope } from '#sandbox/xero/scopes'
import { REQUEST_BODIES_KEPT, SandboxClock, XeroSandboxState } from '#sandbox/xero/state'
import { loggedBody } from '#sandbox/request_log'
import { RATE_LIMIT_PROBLEMS, type SandboxFault, type SandboxLimits } from '#sandbox/xero/types'

export const API_PREFIX = '/api.xro/2.0'

export interface XeroSandboxOptions {
  /** Loopback by default. */
  host?: string
  /** 0 (the default) picks a free port. */
  port?: number
  /** Sandbox seconds per real second, e.g. 60 for benchmarks; token lifetimes and limit windows follow it. */
  clockSpeed?: number
  limits?: Partial<SandboxLimits>
  /** Extra delay before every Accounting API answer. */
  latencyMs?: number
  /**
   * Strict mode: validate every request against the official contract and
   * record violations. A string is the accounting YAML; its sibling
   * `xero-identity.yaml` is used for identity calls when present.
   */
  validateAgainst?: string | { accounting?: string; identity?: string }
}

export interface XeroSandbox {
  url: string
  apiUrl: string
  authorizeUrl: string
  tokenUrl: string
  connectionsUrl: string
  state: XeroSandboxState
  close(): Promise<void>
}

export const DEFAULT_LIMITS: SandboxLimits = {
  perMinute: 60,
  concurrent: 5,
  perDay: 5000,
  appPerMinute: 10_000,
}

/**
 * "A single POST to the Accounting or Payroll APIs has a size limit of 3.5MB"
 * (https://developer.xero.com/documentation/auth-and-limits/xero-api-limits). Strict: 3,500,000 bytes,
 * and PUT too. Xero documents no answer for it: this sandbox says 413, HTTP's "Content Too Large".
 */
export const MAX_REQUEST_BYTES = 3_500_000

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const IDEMPOTENCY_WINDOW_MS = DAY

type Headers = Record<string, string | string[] | undefined>

interface LogContext {
  tenantId: string | null
  idempotencyKey: string | null
  replayed: boolean
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function send(response: ServerResponse, answer: SandboxAnswer) {
  if (response.writableEnded || response.destroyed) return
  const headers: Record<string, string> = { ...(answer.headers ?? {}) }
  let payload = ''
  if (typeof answer.body === 'string') {
    payload = answer.body
    headers['content-type'] ??= 'text/plain; charset=utf-8'
  } else if (answer.body !== undefined) {
    payload = JSON.stringify(answer.body)
    headers['content-type'] ??= 'application/json; charset=utf-8'
  }
  response.writeHead(answer.status, headers)
  response.end(payload)
}

function json(body: unknown, status = 200): SandboxAnswer {
  return { status, body }
}

function collapsePath(segments: string[]): string {
  return (
    '/' + segments.map((segment) => (/^[0-9a-f-]{36}$/i.test(segment) ? '{id}' : segment)).join('/')
  )
}

/** Prunes a sliding window and returns what is left. */
function windowOf(
  windows: Map<string, number[]>,
  key: string,
  now: number,
  span: number
): number[] {
  const list = (windows.get(key) ?? []).filter((at) => at > now - span)
  windows.set(key, list)
  return list
}

/**
 * Starts the Xero sandbox: Accounting API, identity (consent page, token,
 * connections) and `/_sandbox` knobs on one loopback port, all real HTTP.
 */
export async function startXeroSandbox(options: XeroSandboxOptions = {}): Promise<XeroSandbox> {
  const clock = new SandboxClock(options.clockSpeed ?? 1)
  const state = new XeroSandboxState(clock, { ...DEFAULT_LIMITS, ...(options.limits ?? {}) })
  state.latencyMs = options.latencyMs ?? 0
  const initialLatency = state.latencyMs

  const contractPaths =
    typeof options.validateAgainst === 'string'
      ? {
          accounting: options.validateAgainst,
          identity: existsSync(join(dirname(options.validateAgainst), 'xero-identity.yaml'))
            ? join(dirname(options.validateAgainst), 'xero-identity.yaml')
            : undefined,
        }
      : (options.validateAgainst ?? {})
  const accountingContract = contractPaths.accounting
    ? await ContractValidator.load(contractPaths.accounting)
    : null
  const identityContract = contractPaths.identity
    ? await ContractValidator.load(contractPaths.identity)
    : null

  const sockets = new Set<Socket>()
  let baseUrl = ''

  function violation(
    contract: 'accounting' | 'identity',
    method: string,
    path: string,
    errors: string[]
  ) {
    if (errors.length > 0) state.violations.push({ at: Date.now(), method, path, contract, errors })
  }

  /**
   * X-MinLimit-Remaining, X-DayLimit-Remaining and X-AppMinLimit-Remaining: Xero sends them on
   * every API response (developer.xero.com/faq/limits, developer.xero.com/documentation/guides/oauth2/limits).
   */
  function rateHeaders(tenantId: string): Record<string, string> {
    const now = clock.now()
    const minute = windowOf(state.minuteWindow, tenantId, now, MINUTE).length
    const day = windowOf(state.dayWindow, tenantId, now, DAY).length
    state.appMinuteWindow = state.appMinuteWindow.filter((at) => at > now - MINUTE)
    return {
      'x-minlimit-remaining': String(Math.max(0, state.limits.perMinute - minute)),
      'x-daylimit-remaining': String(Math.max(0, state.limits.perDay - day)),
      'x-appminlimit-remaining': String(
        Math.max(0, state.limits.appPerMinute - state.appMinuteWindow.length)
      ),
    }
  }

  /** Adds the rate-limit headers to an Accounting API answer that lacks them: errors carry them too. */
  function withRateHeaders(
    answer: SandboxAnswer | null,
    request: IncomingMessage,
    entry: LogContext
  ) {
    if (!answer) return answer
    const tenantId = entry.tenantId ?? String(request.headers['xero-tenant-id'] ?? '').toLowerCase()
    answer.headers = { ...rateHeaders(tenantId), ...(answer.headers ?? {}) }
    return answer
  }

  /**
   * 429 with X-Rate-Limit-Problem: minute | day | concurrent | appminute, as Xero names them;
   * `retryAfterSeconds` null leaves Retry-After out.
   */
  function tooMany(
    tenantId: string,
    problem: SandboxFault['problem'],
    retryAfterSeconds: number | null
  ): SandboxAnswer {
    const retryAfter: Record<string, string> =
      retryAfterSeconds === null ? {} : { 'retry-after': `${retryAfterSeconds}` }
    return {
      status: 429,
      headers: { ...rateHeaders(tenantId), ...retryAfter, 'x-rate-limit-problem': problem },
      body: '',
    }
  }

  /** The limit a call would break, or null; counts the call when it passes, and each refusal. */
  function admit(tenantId: string): SandboxAnswer | null {
    const refused = limitOf(tenantId)
    if (refused) {
      const problem = refused.headers!['x-rate-limit-problem']
      const byLimit = state.limitRefusals.get(tenantId) ?? {}
      byLimit[problem] = (byLimit[problem] ?? 0) + 1
      state.limitRefusals.set(tenantId, byLimit)
    }
    return refused
  }

  function limitOf(tenantId: string): SandboxAnswer | null {
    const now = clock.now()
    const inFlight = state.inFlight.get(tenantId) ?? 0
    if (inFlight >= state.limits.concurrent) return tooMany(tenantId, 'concurrent', 1)
    const day = windowOf(state.dayWindow, tenantId, now, DAY)
    if (day.length >= state.limits.perDay)
      return tooMany(tenantId, 'day', clock.realSeconds(day[0] + DAY - now))
    const minute = windowOf(state.minuteWindow, tenantId, now, MINUTE)
    if (minute.length >= state.limits.perMinute)
      return tooMany(tenantId, 'minute', clock.realSeconds(minute[0] + MINUTE - now))
    state.appMinuteWindow = state.appMinuteWindow.filter((at) => at > now - MINUTE)
    if (state.appMinuteWindow.length >= state.limits.appPerMinute) {
      return tooMany(
        tenantId,
        'appminute',
        clock.realSeconds(state.appMinuteWindow[0] + MINUTE - now)
      )
    }
    day.push(now)
    minute.push(now)
    state.appMinuteWindow.push(now)
    return null
  }

  function enter(tenantId: string, response: ServerResponse) {
    const count = (state.inFlight.get(tenantId) ?? 0) + 1
    state.inFlight.set(tenantId, count)
    state.maxConcurrency.set(tenantId, Math.max(state.maxConcurrency.get(tenantId) ?? 0, count))
    response.once('close', () =>
      state.inFlight.set(tenantId, (state.inFlight.get(tenantId) ?? 1) - 1)
    )
  }

  function takeFault(method: string, path: string): SandboxFault | null {
    const fault = state.faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        path.includes(candidate.pathContains) &&
        (!candidate.method || candidate.method === method)
    )
    if (!fault) return null
    fault.remaining -= 1
    state.faults = state.faults.filter((candidate) => candidate.remaining > 0)
    return fault
  }

  async function accounting(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    raw: string,
    entry: LogContext
  ): Promise<SandboxAnswer | null> {
    const method = request.method ?? 'GET'
    const key = request.headers['idempotency-key']
    const idempotencyKey = typeof key === 'string' && key !== '' && method !== 'GET' ? key : null
    // Every write's key is logged, refused ones too, for tests to assert.
    entry.idempotencyKey = idempotencyKey
    const bytes = Buffer.byteLength(raw)
    if (bytes > MAX_REQUEST_BYTES) {
      return {
        status: 413,
        body: `Request body of ${bytes} bytes is over the ${MAX_REQUEST_BYTES} bytes accepted`,
      }
    }
    const relative = url.pathname.slice(API_PREFIX.length) || '/'
    const segments = relative.split('/').filter(Boolean).map(decodeURIComponent)
    const query = Object.fromEntries(url.searchParams)
    let body: unknown
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw)
      } catch {
        return {
          status: 400,
          body: { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: 'Invalid JSON' },
        }
      }
    }
    if (accountingContract) {
      violation(
        'accounting',
        method,
        relative,
        accountingContract.validate({
          method,
          path: relative,
          query,
          headers: request.headers,
          body,
        })
      )
    }
    state.count(method, collapsePath(segments))

    const auth = bearerGrant(state, request.headers)
    if ('answer' in auth) return auth.answer
    const tenantId = String(request.headers['xero-tenant-id'] ?? '').toLowerCase()
    const grant = state.grants.get(auth.grantId)!
    const org = state.organisation(tenantId)
    if (!org || !grant.tenantIds.includes(org.tenantId)) {
      return {
        status: 403,
        body: {
          Type: null,
          Title: 'Forbidden',
          Status: 403,
          Detail: 'AuthenticationUnsuccessful',
          Instance: crypto.randomUUID(),
          Extensions: {},
        },
      }
    }
    entry.tenantId = org.tenantId
    const scopeRefusal = insufficientScope(grant.scope, method, segments[0])
    if (scopeRefusal) return scopeRefusal

    const fault = takeFault(method, url.pathname)
    if (fault?.kind === 'timeout') {
      enter(org.tenantId, response)
      return null
    }
    if (fault?.kind === '429') {
      const retry =
        fault.retryAfterSeconds ??
        (fault.problem === 'day' ? 3600 : fault.problem === 'concurrent' ? 1 : 60)
      return tooMany(org.tenantId, fault.problem, fault.withoutRetryAfter ? null : retry)
    }
    if (fault && fault.kind !== 'lost') {
      return {
        status: Number(fault.kind),
        headers: rateHeaders(org.tenantId),
        body:
          fault.kind === '500'
            ? {
                Title: 'An error occurred',
                Detail:
                  'An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.',
                Status: 500,
                Instance: crypto.randomUUID(),
              }
            : 'The Xero API is temporarily unavailable',
      }
    }
    const limited = admit(org.tenantId)
    if (limited) return limited
    enter(org.tenantId, response)
    const latency = state.latencyByTenant.get(org.tenantId) ?? state.latencyMs
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency))

    if (idempotencyKey && idempotencyKey.length > 128) {
      return {
        status: 400,
        body: {
          ErrorNumber: 10,
          Type: 'ValidationException',
          Message: 'Idempotency-Key must be 128 characters or fewer',
          Elements: [],
        },
      }
    }
    const storeKey = idempotencyKey
      ? `${org.tenantId}|${method}|${url.pathname}|${idempotencyKey}`
      : null
    // Xero answers a key seen in the last 24 hours with the first answer, and forgets it after that
    // (https://developer.xero.com/documentation/guides/idempotent-requests/idempotency/).
    const stored = storeKey ? state.idempotency.get(storeKey) : undefined
    if (stored && clock.now() - stored.at < IDEMPOTENCY_WINDOW_MS) {
      entry.replayed = true
      return {
        status: stored.status,
        headers: { ...stored.headers, ...rateHeaders(org.tenantId) },
        body: stored.body,
      }
    }
    const since = Date.parse(String(request.headers['if-modified-since'] ?? ''))
    const modifiedSince = Number.isNaN(since) ? null : since
    const call = {
      state,
      org,
      method,
      segments,
      query: url.searchParams,
      body,
      publicUrl: baseUrl,
      modifiedSince,
    }
    const answer = handleAccounting(call)
    answer.headers = { ...(answer.headers ?? {}), ...rateHeaders(org.tenantId) }
    if (storeKey && answer.status < 500) {
      const isText = typeof answer.body === 'string'
      state.idempotency.set(storeKey, {
        at: clock.now(),
        status: answer.status,
        headers: {
          'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
        },
        body: isText ? (answer.body as string) : JSON.stringify(answer.body),
      })
    }
    // A lost answer: Xero did the work, the client never hears of it and times out.
    return fault?.kind === 'lost' ? null : answer
  }

  function identityContractCheck(
    method: string,
    path: string,
    headers: Headers,
    query: Record<string, string>
  ) {
    if (!identityContract) return
    const contractPath = path.replace(/^\/connections/i, '/Connections')
    violation(
      'identity',
      method,
      path,
      identityContract.validate({ method, path: contractPath, query, headers })
    )
  }

  /** The token endpoint is not in the identity YAML; check its form the way Xero documents it. */
  function tokenFormCheck(headers: Headers, form: URLSearchParams) {
    if (!identityContract) return
    const errors: string[] = []
    if (!String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      errors.push('content-type must be application/x-www-form-urlencoded')
    }
    const grantType = form.get('grant_type')
    if (grantType === 'authorization_code') {
      for (const field of ['code', 'redirect_uri'])
        if (!form.get(field)) errors.push(`${field} is required`)
    } else if (grantType === 'refresh_token') {
      if (!form.get('refresh_token')) errors.push('refresh_token is required')
    } else {
      errors.push(`grant_type ${grantType} is not supported`)
    }
    violation('identity', 'POST', IDENTITY_PATHS.token, errors)
  }

  async function knob(method: string, path: string, url: URL, raw: string): Promise<SandboxAnswer> {
    let body: Record<string, any> = {}
    try {
      body = raw.trim() ? JSON.parse(raw) : {}
    } catch {
      return json({ error: 'invalid JSON' }, 400)
    }
    const route = `${method} ${path.slice('/_sandbox'.length) || '/'}`
    switch (route) {
      case 'GET /':
        return json({
          knobs: [
            'POST /_sandbox/reset',
            'POST /_sandbox/clear-log',
            'POST /_sandbox/faults {kind: 429|500|503|timeout|lost, count, path?, method?, ' +
              'problem?: minute|day|concurrent|appminute, retryAfter?, withoutRetryAfter?}',
            'DELETE /_sandbox/faults',
            'POST /_sandbox/latency {ms, tenantId?}',
            'POST /_sandbox/limits {perMinute?, concurrent?, perDay?, appPerMinute?}',
            'POST /_sandbox/clock {advanceSeconds?, speed?}',
            'POST /_sandbox/tokens/expire',
            'POST /_sandbox/tokens/revoke {refreshToken, wholeGrant?}',
            'POST /_sandbox/connect {tenantIds?, scope?}',
            'POST /_sandbox/clients {clientId, clientSecret, createdOn?: YYYY-MM-DD (before 2026-03-02 = an old app)}',
            'POST /_sandbox/invoices/reject-number {invoiceNumber, message?}',
            'POST /_sandbox/invoices/pay {invoice}',
            'GET /_sandbox/invoices?tenantId=',
            `GET /_sandbox/requests (with the bodies of the newest ${REQUEST_BODIES_KEPT}, secrets masked)`,
            'GET /_sandbox/stats',
            'GET /_sandbox/violations',
          ],
        })
      case 'POST /reset':
        state.reset()
        state.latencyMs = initialLatency
        return json({ ok: true })
      case 'POST /clear-log':
        state.clearLog()
        return json({ ok: true })
      case 'POST /faults': {
        const kind = String(body.kind ?? body.status ?? '')
        if (!['429', '500', '503', 'timeout', 'lost'].includes(kind)) {
          return json({ error: 'kind must be 429, 500, 503, timeout or lost' }, 400)
        }
        const problem = body.problem ?? 'minute'
        if (!RATE_LIMIT_PROBLEMS.includes(problem)) {
          const values = RATE_LIMIT_PROBLEMS.join(', ')
          return json(
            { error: `problem must be one of ${values} (Xero's X-Rate-Limit-Problem values)` },
            400
          )
        }
        state.faults.push({
          kind: kind as SandboxFault['kind'],
          remaining: Number(body.count ?? 1),
          pathContains: String(body.path ?? API_PREFIX),
          method: body.method ? String(body.method).toUpperCase() : null,
          problem,
          retryAfterSeconds: body.retryAfter === undefined ? null : Number(body.retryAfter),
          withoutRetryAfter: Boolean(body.withoutRetryAfter),
        })
        return json({ ok: true, faults: state.faults })
      }
      case 'DELETE /faults':
        state.faults = []
        return json({ ok: true })
      case 'POST /latency':
        if (body.tenantId) {
          state.latencyByTenant.set(String(body.tenantId).toLowerCase(), Number(body.ms ?? 0))
          return json({ ok: true, latencyByTenant: Object.fromEntries(state.latencyByTenant) })
        }
        state.latencyMs = Number(body.ms ?? 0)
        return json({ ok: true, latencyMs: state.latencyMs })
      case 'POST /limits':
        Object.assign(state.limits, body)
        return json({ ok: true, limits: state.limits })
      case 'POST /clock':
        if (body.advanceSeconds) clock.advance(Number(body.advanceSeconds) * 1000)
        if (body.speed) clock.speed = Number(body.speed)
        return json({ ok: true, now: new Date(clock.now()).toISOString() })
      case 'POST /tokens/expire':
        state.expireAccessTokens()
        return json({ ok: true })
      case 'POST /tokens/revoke':
        return json({
          ok: state.revokeRefreshToken(String(body.refreshToken ?? ''), Boolean(body.wholeGrant)),
        })
      case 'POST /connect': {
        const tenantIds = Array.isArray(body.tenantIds)
          ? body.tenantIds
          : state.organisations.map((org) => org.tenantId)
        const connection = state.connect(
          tenantIds,
          ...(typeof body.scope === 'string' ? [body.scope] : [])
        )
        return json({
          ...connection,
          grant: undefined,
          expiresAt: connection.expiresAt.toISOString(),
        })
      }
      case 'POST /clients': {
        const createdOn = String(body.createdOn ?? GRANULAR_SCOPES_CUTOFF)
        if (!body.clientId || !body.clientSecret || !/^\d{4}-\d{2}-\d{2}$/.test(createdOn)) {
          return json(
            { error: 'clientId, clientSecret and createdOn (YYYY-MM-DD) are required' },
            400
          )
        }
        state.registerClient(String(body.clientId), String(body.clientSecret), createdOn)
        return json({ ok: true, clientId: body.clientId, createdOn })
      }
      case 'POST /invoices/reject-number':
        state.rejectedInvoiceNumbers.set(
          String(body.invoiceNumber),
          String(body.message ?? 'Invoice # must be unique.')
        )
        return json({ ok: true })
      case 'POST /invoices/pay': {
        const invoice = state.markInvoicePaid(
          String(body.invoice ?? body.invoiceId ?? body.invoiceNumber ?? '')
        )
        return invoice
          ? json({ ok: true, status: invoice.Status })
          : json({ error: 'invoice not found' }, 404)
      }
      case 'GET /invoices':
        return json(state.invoices(url.searchParams.get('tenantId') ?? undefined))
      case 'GET /requests':
        return json(state.requestLog)
      case 'GET /stats':
        return json(state.stats())
      case 'GET /violations':
        return json(state.violations)
      default:
        return json({ error: `no knob ${route}` }, 404)
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const started = Date.now()
    const method = (request.method ?? 'GET').toUpperCase()
    const url = new URL(request.url ?? '/', baseUrl)
    const path = url.pathname
    const raw = await readBody(request)
    const entry: LogContext = { tenantId: null, idempotencyKey: null, replayed: false }
    const finish = (answer: SandboxAnswer | null) => {
      if (answer) send(response, answer)
      state.logRequest({
        at: started,
        method,
        path,
        query: Object.fromEntries(url.searchParams),
        tenantId: entry.tenantId,
        idempotencyKey: entry.idempotencyKey,
        status: answer?.status ?? 0,
        durationMs: Date.now() - started,
        replayed: entry.replayed,
        body: loggedBody(raw, request.headers['content-type']),
      })
    }

    if (path.startsWith('/_sandbox')) return send(response, await knob(method, path, url, raw))
    if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) {
      return finish(
        withRateHeaders(await accounting(request, response, url, raw, entry), request, entry)
      )
    }
    if (path === IDENTITY_PATHS.authorize && method === 'GET')
      return finish(authorizePage(state, url.searchParams))
    if (path === IDENTITY_PATHS.authorize && method === 'POST')
      return finish(consentAnswer(state, new URLSearchParams(raw)))
    if (path === IDENTITY_PATHS.token && method === 'POST') {
      const form = new URLSearchParams(raw)
      tokenFormCheck(request.headers, form)
      const fault = takeFault(method, path)
      if (fault?.kind === 'timeout') return finish(null)
      if (fault?.kind === 'lost') {
        tokenEndpoint(state, request.headers, form)
        return finish(null)
      }
      if (fault)
        return finish({ status: Number(fault.kind === '429' ? 429 : fault.kind), body: '' })
      return finish(tokenEndpoint(state, request.headers, form))
    }
    if (path === IDENTITY_PATHS.revocation && method === 'POST')
      return finish(revocationEndpoint(state, new URLSearchParams(raw)))
    if (path.toLowerCase().startsWith(IDENTITY_PATHS.connections)) {
      identityContractCheck(method, path, request.headers, Object.fromEntries(url.searchParams))
      const auth = bearerGrant(state, request.headers)
      if ('answer' in auth) return finish(auth.answer)
      const id = path.split('/')[2]
      if (method === 'GET' && !id)
        return finish(connectionsEndpoint(state, auth.grantId, url.searchParams))
      if (method === 'DELETE' && id) return finish(deleteConnection(state, auth.grantId, id))
    }
    if (path.startsWith('/in/') && method === 'GET') {
      const html = onlineInvoicePage(state, path.slice(4))
      return finish(
        html
          ? { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html }
          : { status: 404, body: 'Not found' }
      )
    }
    if (path === '/' && method === 'GET') {
      return send(
        response,
        json({
          name: 'Xero sandbox',
          apiUrl: `${baseUrl}${API_PREFIX}`,
          knobs: `${baseUrl}/_sandbox`,
        })
      )
    }
    return finish({ status: 404, body: "The resource you're looking for cannot be found" })
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      send(response, {
        status: 500,
        body: { Title: 'Sandbox failure', Detail: error.message, Status: 500 },
      })
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  baseUrl = `http://${host}:${address.port}`

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}${API_PREFIX}`,
    authorizeUrl: `${baseUrl}${IDENTITY_PATHS.authorize}`,
    tokenUrl: `${baseUrl}${IDENTITY_PATHS.token}`,
    connectionsUrl: `${baseUrl}${IDENTITY_PATHS.connections}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
