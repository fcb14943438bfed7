/**
 * Our own Autotask errors. Autotask answers most failures with HTTP 500 and
 * `{"errors": [...]}`; the client turns every answer into one of these at the
 * boundary so nothing above it parses vendor payloads. No error carries request
 * headers, so the secret can never reach a log through an error.
 */

export type AutotaskAuthReason =
  'missing_credentials' | 'unknown_user' | 'bad_secret' | 'bad_integration_code' | 'forbidden'

/** Base of every Autotask failure; `message` is plain words a person can act on. */
export class AutotaskError extends Error {
  readonly status: number | null
  readonly autotaskErrors: string[]
  readonly retryable: boolean

  constructor(
    message: string,
    details: { status?: number | null; autotaskErrors?: string[]; retryable?: boolean } = {}
  ) {
    super(message)
    this.name = new.target.name
    this.status = details.status ?? null
    this.autotaskErrors = details.autotaskErrors ?? []
    this.retryable = details.retryable ?? false
  }

  toJSON() {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      autotaskErrors: this.autotaskErrors,
      retryable: this.retryable,
    }
  }
}

/** The user, secret or integration code is wrong: retrying will not help. */
export class AutotaskAuthError extends AutotaskError {
  readonly reason: AutotaskAuthReason

  constructor(
    reason: AutotaskAuthReason,
    message: string,
    details: { status?: number | null; autotaskErrors?: string[] } = {}
  ) {
    super(message, { ...details, retryable: false })
    this.reason = reason
  }
}

/** The record asked for does not exist (or no longer exists) in Autotask. */
export class AutotaskNotFoundError extends AutotaskError {
  constructor(
    message: string,
    details: { status?: number | null; autotaskErrors?: string[] } = {}
  ) {
    super(message, { ...details, retryable: false })
  }
}

/** Autotask refused because of its hourly budget or its thread limit: wait, then retry. */
export class AutotaskThrottledError extends AutotaskError {
  readonly retryAfterMs: number | null

  constructor(
    message: string,
    details: {
      status?: number | null
      autotaskErrors?: string[]
      retryAfterMs?: number | null
    } = {}
  ) {
    super(message, { ...details, retryable: true })
    this.retryAfterMs = details.retryAfterMs ?? null
  }
}

/** Autotask rejected what we sent (unknown field, read-only field, bad value): fix, do not retry. */
export class AutotaskValidationError extends AutotaskError {
  constructor(
    message: string,
    details: { status?: number | null; autotaskErrors?: string[] } = {}
  ) {
    super(message, { ...details, retryable: false })
  }
}

/** Time-outs, network failures and Autotask's own faults: retry with back-off. */
export class AutotaskTransientError extends AutotaskError {
  readonly timedOut: boolean

  constructor(
    message: string,
    details: { status?: number | null; autotaskErrors?: string[]; timedOut?: boolean } = {}
  ) {
    super(message, { ...details, retryable: true })
    this.timedOut = details.timedOut ?? false
  }
}
