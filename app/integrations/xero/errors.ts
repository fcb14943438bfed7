/*
| Our own Xero errors. xero-node rejects with a JSON *string*
| ({response:{statusCode, body, headers}, body}); it is parsed once, here.
*/

/** Remaining calls, read from the last answer's headers. */
export interface XeroRateLimits {
  minuteRemaining: number | null
  dayRemaining: number | null
  appMinuteRemaining: number | null
  observedAt: Date
}

export type XeroRateLimitProblem = 'minute' | 'day' | 'concurrent' | 'app'

type HeaderBag = Record<string, unknown> | undefined | null

function header(headers: HeaderBag, name: string): string | null {
  if (!headers) return null
  const key = Object.keys(headers).find(
    (candidate) => candidate.toLowerCase() === name.toLowerCase()
  )
  const value = key === undefined ? undefined : headers[key]
  if (value === undefined || value === null) return null
  return Array.isArray(value) ? String(value[0]) : String(value)
}

function numberHeader(headers: HeaderBag, name: string): number | null {
  const value = header(headers, name)
  return value === null || value.trim() === '' || Number.isNaN(Number(value)) ? null : Number(value)
}

/** Reads X-MinLimit-Remaining, X-DayLimit-Remaining and X-AppMinLimit-Remaining; null when none is present. */
export function readRateLimits(headers: HeaderBag): XeroRateLimits | null {
  const limits = {
    minuteRemaining: numberHeader(headers, 'x-minlimit-remaining'),
    dayRemaining: numberHeader(headers, 'x-daylimit-remaining'),
    appMinuteRemaining: numberHeader(headers, 'x-appminlimit-remaining'),
    observedAt: new Date(),
  }
  const any =
    limits.minuteRemaining !== null ||
    limits.dayRemaining !== null ||
    limits.appMinuteRemaining !== null
  return any ? limits : null
}

/** Every Xero failure; `transient` tells the engine whether a retry may succeed. */
export class XeroError extends Error {
  readonly transient: boolean = false

  constructor(
    message: string,
    readonly status: number | null = null,
    readonly body: unknown = null,
    readonly rateLimits: XeroRateLimits | null = null
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** One element's (or the whole request's) validation messages, in Xero's words. */
export interface XeroValidationElement {
  index: number
  messages: string[]
}

/** 400: Xero refused the content; permanent until the data is fixed. */
export class XeroValidationError extends XeroError {
  constructor(
    message: string,
    readonly elements: XeroValidationElement[],
    status = 400,
    body: unknown = null,
    rateLimits: XeroRateLimits | null = null
  ) {
    super(message, status, body, rateLimits)
  }

  get messages(): string[] {
    return this.elements.flatMap((element) => element.messages)
  }
}

/** 401: the access token is missing, invalid or expired. */
export class XeroUnauthorizedError extends XeroError {}

/** 401 with `insufficient_scope`: the connection was not granted this endpoint; a reconnect helps, a new token not. */
export class XeroInsufficientScopeError extends XeroUnauthorizedError {}

/** 403: the organisation is no longer connected to the app (or the scope is missing). */
export class XeroForbiddenError extends XeroError {}

/** 404: no such document. */
export class XeroNotFoundError extends XeroError {}

/** 429: a limit was hit; wait `retryAfterSeconds` before the next call. */
export class XeroRateLimitError extends XeroError {
  override readonly transient = true

  constructor(
    message: string,
    readonly problem: XeroRateLimitProblem,
    readonly retryAfterSeconds: number,
    status = 429,
    body: unknown = null,
    rateLimits: XeroRateLimits | null = null
  ) {
    super(message, status, body, rateLimits)
  }
}

/** 413, or refused before sending: the request body is over what Xero accepts; permanent for that content. */
export class XeroRequestTooLargeError extends XeroError {}

/** 5xx, time-out or network failure: retry later. */
export class XeroTransientError extends XeroError {
  override readonly transient = true

  constructor(
    message: string,
    readonly reason: 'server' | 'timeout' | 'network',
    status: number | null = null,
    body: unknown = null,
    rateLimits: XeroRateLimits | null = null
  ) {
    super(message, status, body, rateLimits)
  }
}

/** The refresh token no longer works (revoked, expired, replaced): a person must reconnect Xero. */
export class XeroReconnectRequiredError extends XeroError {}

/** The product has no Xero connection (no tokens or no tenant chosen). */
export class XeroNotConnectedError extends XeroError {}

/** The OAuth callback was refused: wrong state, denied consent, scopes the app may not ask for, or a bad code. */
export class XeroAuthorizationError extends XeroError {
  constructor(
    message: string,
    readonly reason:
      | 'state_mismatch'
      | 'access_denied'
      | 'invalid_scope'
      | 'invalid_grant'
      | 'invalid_client'
      | 'other'
  ) {
    super(message)
  }
}

/**
 * How long to wait after a 429 that names no Retry-After. The concurrent limit counts calls in
 * progress ("5 calls in progress at one time", https://developer.xero.com/documentation/guides/oauth2/limits/),
 * so it clears as soon as one of ours ends: about a second. The others are windows of a minute or more.
 */
export function defaultRetryAfterSeconds(problem: XeroRateLimitProblem) {
  return problem === 'concurrent' ? 1 : 60
}

/** X-Rate-Limit-Problem as Xero sends it (developer.xero.com/documentation/guides/oauth2/limits). */
const RATE_LIMIT_PROBLEMS: Record<string, XeroRateLimitProblem> = {
  minute: 'minute',
  day: 'day',
  concurrent: 'concurrent',
  appminute: 'app',
}

/** Xero's own value, else a close reading of an unexpected one; without the header, the minute limit. */
export function rateLimitProblemOf(value: string | null): XeroRateLimitProblem {
  const text = (value ?? '').trim().toLowerCase()
  if (RATE_LIMIT_PROBLEMS[text]) return RATE_LIMIT_PROBLEMS[text]
  if (text.startsWith('app')) return 'app'
  if (text.startsWith('da')) return 'day'
  if (text.startsWith('con')) return 'concurrent'
  return 'minute'
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}

/** Messages of a ValidationException, per element (index = position in the request). */
function validationElements(body: any): XeroValidationElement[] {
  const elements: any[] = Array.isArray(body?.Elements) ? body.Elements : []
  const perElement = elements
    .map((element, index) => ({
      index,
      messages: (element?.ValidationErrors ?? []).map((error: any) =>
        String(error?.Message ?? error)
      ),
    }))
    .filter((element) => element.messages.length > 0)
  if (perElement.length > 0) return perElement
  return [
    { index: -1, messages: [String(body?.Message ?? body?.Detail ?? 'Xero refused the request')] },
  ]
}

/** Our error for an HTTP answer from Xero. */
export function errorFromResponse(
  status: number,
  rawBody: unknown,
  headers: HeaderBag,
  fallback = ''
): XeroError {
  const body = parseBody(rawBody)
  const limits = readRateLimits(headers)
  const detail =
    typeof body === 'object' && body !== null
      ? String(
          (body as any).Detail ??
            (body as any).Message ??
            (body as any).Title ??
            (body as any).error ??
            ''
        )
      : String(body ?? '')
  if (status === 400) {
    const elements = validationElements(body)
    return new XeroValidationError(
      elements.flatMap((element) => element.messages).join('; '),
      elements,
      status,
      body,
      limits
    )
  }
  if (status === 401 && /insufficient_scope/i.test(header(headers, 'www-authenticate') ?? '')) {
    const message =
      'Xero refused the call: the connection lacks the permission it needs (insufficient_scope). Connect to Xero again.'
    return new XeroInsufficientScopeError(message, status, body, limits)
  }
  if (status === 401)
    return new XeroUnauthorizedError(
      `Xero rejected the access token: ${detail || 'unauthorized'}`,
      status,
      body,
      limits
    )
  if (status === 403) {
    return new XeroForbiddenError(
      'Xero refused access to this organisation: it may have been disconnected from the app.',
      status,
      body,
      limits
    )
  }
  if (status === 404)
    return new XeroNotFoundError('Xero has no such document.', status, body, limits)
  if (status === 413) {
    const message = 'Xero refused the request as too large (it accepts at most 3.5 MB).'
    return new XeroRequestTooLargeError(message, status, body, limits)
  }
  if (status === 429) {
    const problem = rateLimitProblemOf(header(headers, 'x-rate-limit-problem'))
    const retryAfter = Math.max(
      1,
      numberHeader(headers, 'retry-after') ?? defaultRetryAfterSeconds(problem)
    )
    return new XeroRateLimitError(
      `Xero ${problem} rate limit reached; retry in ${retryAfter}s.`,
      problem,
      retryAfter,
      status,
      body,
      limits
    )
  }
  if (status === 0) {
    const timedOut = /timeout|ECONNABORTED|aborted/i.test(`${detail} ${fallback}`)
    return new XeroTransientError(
      timedOut
        ? 'Xero did not answer in time.'
        : `Xero could not be reached: ${detail || fallback}`,
      timedOut ? 'timeout' : 'network',
      null,
      body,
      limits
    )
  }
  if (status >= 500)
    return new XeroTransientError(
      `Xero failed with HTTP ${status}: ${detail}`,
      'server',
      status,
      body,
      limits
    )
  return new XeroError(`Xero answered HTTP ${status}: ${detail}`, status, body, limits)
}

/** Turns whatever xero-node rejected with into one of our errors. */
export function fromXeroNodeRejection(rejection: unknown): XeroError {
  if (rejection instanceof XeroError) return rejection
  let parsed: any = rejection
  if (typeof rejection === 'string') {
    try {
      parsed = JSON.parse(rejection)
    } catch {
      return new XeroTransientError(`Xero could not be reached: ${rejection}`, 'network')
    }
  }
  if (parsed instanceof Error) {
    return errorFromResponse(0, null, null, `${(parsed as any).code ?? ''} ${parsed.message}`)
  }
  const response = parsed?.response ?? {}
  const status = Number(response.statusCode ?? response.status ?? 0)
  return errorFromResponse(
    status,
    response.body ?? parsed?.body,
    response.headers,
    String(parsed?.body ?? '')
  )
}
