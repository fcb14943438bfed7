import { randomBytes, randomUUID } from 'node:crypto'
import {
  extraOrganisation,
  seedOrganisations,
  XERO_SANDBOX_CLIENT_ID,
  XERO_SANDBOX_CLIENT_SECRET,
} from '#sandbox/xero/seed'
import { DEFAULT_SANDBOX_SCOPE, GRANULAR_SCOPES_CUTOFF } from '#sandbox/xero/scopes'
import type {
  SandboxAccessToken,
  SandboxClient,
  SandboxAuthCode,
  SandboxConsentRequest,
  SandboxContractViolation,
  SandboxFault,
  SandboxGrant,
  SandboxInvoice,
  SandboxPurchaseOrder,
  SandboxLimits,
  SandboxOrganisation,
  SandboxRefreshToken,
  SandboxRequestLogEntry,
} from '#sandbox/xero/types'

export const ACCESS_TOKEN_LIFETIME_MS = 30 * 60 * 1000
export const REFRESH_GRACE_MS = 30 * 60 * 1000
export const REFRESH_TOKEN_IDLE_MS = 60 * 24 * 60 * 60 * 1000
export const AUTH_CODE_LIFETIME_MS = 5 * 60 * 1000
/** Bodies of the newest requests the log keeps: a benchmark's thousands of 50-invoice batches would fill memory. */
export const REQUEST_BODIES_KEPT = 2000

/** Sandbox time: real time times `speed`, plus whatever a knob advanced it by. */
export class SandboxClock {
  private realStart = Date.now()
  private offsetMs = 0

  constructor(public speed = 1) {}

  now(): number {
    return this.realStart + (Date.now() - this.realStart) * this.speed + this.offsetMs
  }

  advance(ms: number) {
    this.offsetMs += ms
  }

  /** Real seconds a client waits for `sandboxMs` of sandbox time to pass. */
  realSeconds(sandboxMs: number): number {
    return Math.max(1, Math.ceil(sandboxMs / 1000 / this.speed))
  }
}

/** One stored answer for an Idempotency-Key. */
export interface StoredAnswer {
  /** sandbox time the first answer was given */
  at: number
  status: number
  headers: Record<string, string>
  body: string
}

/** The Xero sandbox's data as plain JSON (see `XeroSandboxState.snapshot`). */
export interface XeroSandboxSnapshot {
  organisations: SandboxOrganisation[]
  clients: [string, SandboxClient][]
  grants: [string, SandboxGrant][]
  accessTokens: [string, SandboxAccessToken][]
  refreshTokens: [string, SandboxRefreshToken][]
  authCodes: [string, SandboxAuthCode][]
  consentRequests: [string, SandboxConsentRequest][]
  idempotency: [string, StoredAnswer][]
  rejectedInvoiceNumbers: [string, string][]
}

/** Everything the Xero sandbox knows; inspect it from tests, change it through knobs. */
export class XeroSandboxState {
  organisations: SandboxOrganisation[] = []
  clients = new Map<string, SandboxClient>()
  grants = new Map<string, SandboxGrant>()
  accessTokens = new Map<string, SandboxAccessToken>()
  refreshTokens = new Map<string, SandboxRefreshToken>()
  authCodes = new Map<string, SandboxAuthCode>()
  consentRequests = new Map<string, SandboxConsentRequest>()
  idempotency = new Map<string, StoredAnswer>()
  faults: SandboxFault[] = []
  rejectedInvoiceNumbers = new Map<string, string>()
  latencyMs = 0
  /** A slower (or faster) organisation: its own delay per call, instead of latencyMs. Strict: a test knob. */
  latencyByTenant = new Map<string, number>()
  requestLog: SandboxRequestLogEntry[] = []
  callCounts: Record<string, number> = {}
  violations: SandboxContractViolation[] = []
  tokenRefreshCount = 0
  /** 429s the enforced limits answered (injected faults not counted), per tenant and limit: a budget that holds makes none. */
  limitRefusals = new Map<string, Record<string, number>>()
  tokenExchangeCount = 0
  inFlight = new Map<string, number>()
  maxConcurrency = new Map<string, number>()
  minuteWindow = new Map<string, number[]>()
  dayWindow = new Map<string, number[]>()
  appMinuteWindow: number[] = []

  constructor(
    public clock: SandboxClock,
    public limits: SandboxLimits
  ) {
    this.reset()
  }

  /** Back to the seed: data, tokens, faults, logs and counters. */
  reset() {
    this.organisations = seedOrganisations()
    this.clients = new Map()
    this.registerClient(XERO_SANDBOX_CLIENT_ID, XERO_SANDBOX_CLIENT_SECRET)
    for (const map of [
      this.grants,
      this.accessTokens,
      this.refreshTokens,
      this.authCodes,
      this.consentRequests,
    ]) {
      map.clear()
    }
    this.idempotency.clear()
    this.faults = []
    this.rejectedInvoiceNumbers.clear()
    this.latencyMs = 0
    this.latencyByTenant.clear()
    this.clearLog()
    this.minuteWindow.clear()
    this.dayWindow.clear()
    this.appMinuteWindow = []
  }

  /**
   * What outlives a restart of `sandbox:serve --state` (the demo keeps it beside its database): the
   * organisations' data, the registered apps, grants, tokens and stored idempotent answers. Logs,
   * counters, injected faults and rate-limit windows start afresh, as after any restart.
   */
  snapshot(): XeroSandboxSnapshot {
    return {
      organisations: this.organisations,
      clients: [...this.clients],
      grants: [...this.grants],
      accessTokens: [...this.accessTokens],
      refreshTokens: [...this.refreshTokens],
      authCodes: [...this.authCodes],
      consentRequests: [...this.consentRequests],
      idempotency: [...this.idempotency],
      rejectedInvoiceNumbers: [...this.rejectedInvoiceNumbers],
    }
  }

  /** Takes back what `snapshot()` gave (after a JSON round trip). */
  restore(snapshot: XeroSandboxSnapshot) {
    this.reset()
    this.organisations = snapshot.organisations
    this.clients = new Map(snapshot.clients)
    this.grants = new Map(snapshot.grants)
    this.accessTokens = new Map(snapshot.accessTokens)
    this.refreshTokens = new Map(snapshot.refreshTokens)
    this.authCodes = new Map(snapshot.authCodes)
    this.consentRequests = new Map(snapshot.consentRequests)
    this.idempotency = new Map(snapshot.idempotency)
    this.rejectedInvoiceNumbers = new Map(snapshot.rejectedInvoiceNumbers)
  }

  /** Appends to the request log; entries older than the newest REQUEST_BODIES_KEPT lose their body. */
  logRequest(entry: SandboxRequestLogEntry) {
    this.requestLog.push(entry)
    const old = this.requestLog[this.requestLog.length - 1 - REQUEST_BODIES_KEPT]
    if (old) old.body = null
  }

  /** Forgets the request log, counters and contract violations (not the data). */
  clearLog() {
    this.requestLog = []
    this.callCounts = {}
    this.violations = []
    this.tokenRefreshCount = 0
    this.tokenExchangeCount = 0
    this.maxConcurrency.clear()
    this.limitRefusals.clear()
  }

  /** Adds an organisation under a new tenant id (lower case, as Xero's are); gone again on reset(). */
  addOrganisation(name: string) {
    const tenant = { tenantId: randomUUID(), name }
    this.organisations.push(extraOrganisation(tenant))
    return tenant
  }

  organisation(tenantId: string | null | undefined): SandboxOrganisation | undefined {
    return this.organisations.find((org) => org.tenantId === tenantId?.toLowerCase())
  }

  /** Registers a Xero app; by default "as new" (created on the granular-scopes cut-off day), as the demo's is. */
  registerClient(clientId: string, secret: string, createdOn = GRANULAR_SCOPES_CUTOFF) {
    this.clients.set(clientId, { secret, redirectUris: null, createdOn })
  }

  /** Grants a client access to tenants and issues the first token pair (used by consent and by tests). */
  createGrant(clientId: string, tenantIds: string[], scope: string): SandboxGrant {
    const grant: SandboxGrant = {
      grantId: randomUUID(),
      authEventId: randomUUID(),
      clientId,
      tenantIds,
      scope,
      createdAt: this.clock.now(),
    }
    this.grants.set(grant.grantId, grant)
    return grant
  }

  issueTokens(grantId: string): {
    accessToken: SandboxAccessToken
    refreshToken: SandboxRefreshToken
  } {
    const now = this.clock.now()
    const accessToken = {
      token: `sbx_at_${randomBytes(24).toString('base64url')}`,
      grantId,
      expiresAt: now + ACCESS_TOKEN_LIFETIME_MS,
    }
    const refreshToken = {
      token: `sbx_rt_${randomBytes(24).toString('base64url')}`,
      grantId,
      issuedAt: now,
      rotatedAt: null,
      revoked: false,
    }
    this.accessTokens.set(accessToken.token, accessToken)
    this.refreshTokens.set(refreshToken.token, refreshToken)
    return { accessToken, refreshToken }
  }

  /** A ready-made connection for tests and the demo: a grant on the tenants and its tokens. */
  connect(tenantIds: string[], scope = DEFAULT_SANDBOX_SCOPE) {
    const grant = this.createGrant(XERO_SANDBOX_CLIENT_ID, tenantIds, scope)
    const tokens = this.issueTokens(grant.grantId)
    return {
      grant,
      accessToken: tokens.accessToken.token,
      refreshToken: tokens.refreshToken.token,
      expiresAt: new Date(tokens.accessToken.expiresAt),
    }
  }

  /** Why a refresh token no longer works, or null when it does. */
  refreshTokenProblem(token: SandboxRefreshToken | undefined): string | null {
    const now = this.clock.now()
    if (!token) return 'unknown refresh token'
    if (token.revoked) return 'refresh token revoked'
    if (token.rotatedAt !== null && now > token.rotatedAt + REFRESH_GRACE_MS)
      return 'refresh token already used'
    if (now > token.issuedAt + REFRESH_TOKEN_IDLE_MS) return 'refresh token expired'
    return null
  }

  expireAccessTokens() {
    const past = this.clock.now() - 1
    for (const token of this.accessTokens.values()) token.expiresAt = past
  }

  /** Revokes one refresh token, or every token of the grant it belongs to when `wholeGrant`. */
  revokeRefreshToken(token: string, wholeGrant = false): boolean {
    const record = this.refreshTokens.get(token)
    if (!record) return false
    record.revoked = true
    if (wholeGrant) {
      for (const other of this.refreshTokens.values())
        if (other.grantId === record.grantId) other.revoked = true
      for (const [key, access] of this.accessTokens)
        if (access.grantId === record.grantId) this.accessTokens.delete(key)
    }
    return true
  }

  findInvoice(
    reference: string
  ): { org: SandboxOrganisation; invoice: SandboxInvoice } | undefined {
    for (const org of this.organisations) {
      const invoice = org.invoices.find(
        (candidate) =>
          candidate.InvoiceID === reference.toLowerCase() || candidate.InvoiceNumber === reference
      )
      if (invoice) return { org, invoice }
    }
    return undefined
  }

  /** Records a full payment, as if the customer paid online. */
  markInvoicePaid(reference: string): SandboxInvoice | undefined {
    const found = this.findInvoice(reference)
    if (!found) return undefined
    const { invoice } = found
    invoice.Status = 'PAID'
    invoice.AmountPaid = invoice.Total
    invoice.AmountDue = 0
    invoice.FullyPaidOnDate = this.clock.now()
    invoice.UpdatedDateUTC = this.clock.now()
    return invoice
  }

  /** The invoices of a tenant (all tenants when omitted). */
  invoices(tenantId?: string): SandboxInvoice[] {
    return this.organisations
      .filter((org) => !tenantId || org.tenantId === tenantId)
      .flatMap((org) => org.invoices)
  }

  /** The purchase orders of a tenant (all tenants when omitted). */
  purchaseOrders(tenantId?: string): SandboxPurchaseOrder[] {
    return this.organisations
      .filter((org) => !tenantId || org.tenantId === tenantId)
      .flatMap((org) => org.purchaseOrders)
  }

  /** Calls per "METHOD /path" with ids collapsed, e.g. `PUT /Invoices`. */
  count(method: string, path: string) {
    const key = `${method} ${path}`
    this.callCounts[key] = (this.callCounts[key] ?? 0) + 1
  }

  stats() {
    return {
      calls: { ...this.callCounts },
      maxConcurrency: Object.fromEntries(this.maxConcurrency),
      maxConcurrencyOverall: Math.max(0, ...this.maxConcurrency.values()),
      limitRefusals: Object.fromEntries(this.limitRefusals),
      limitRefusalsTotal: [...this.limitRefusals.values()]
        .flatMap((byLimit) => Object.values(byLimit))
        .reduce((sum, n) => sum + n, 0),
      tokenRefreshes: this.tokenRefreshCount,
      tokenExchanges: this.tokenExchangeCount,
      requests: this.requestLog.length,
      violations: this.violations.length,
      invoices: Object.fromEntries(
        this.organisations.map((org) => [org.tenantId, org.invoices.length])
      ),
    }
  }
}
