import { seedPicklists } from '#sandbox/autotask/field_information'
import { type SandboxEntity, type SandboxRecord } from '#sandbox/autotask/entities'
import { SeedGenerator, type SandboxTables, type SeedPosition } from '#sandbox/autotask/seed'

/** An API user of the sandbox database (Autotask: an API-only resource with a tracking identifier). */
export interface SandboxApiUser {
  username: string
  secret: string
  integrationCode: string
  resourceId: number
}

/** The seeded API user every demo and test signs in with. */
export const AUTOTASK_SANDBOX_USER: SandboxApiUser = {
  username: 'api@demo.example',
  secret: 'Sandbox-Secret-4242!',
  integrationCode: 'SANDBOX7INTEGRATION2CODE',
  resourceId: 29682901,
}

/** A second API user with its own integration code (for per-integration-code limits). */
export const AUTOTASK_SANDBOX_SECOND_USER: SandboxApiUser = {
  username: 'api-two@demo.example',
  secret: 'Second-Secret-1717!',
  integrationCode: 'SANDBOX7SECOND7CODE',
  resourceId: 29682902,
}

export interface AutotaskSandboxOptions {
  host?: string
  /** 0 picks a free port */
  port?: number
  seed?: number
  invoices?: number
  companies?: number
  purchaseOrders?: number
  largeInvoiceLines?: number
  daysOfHistory?: number
  /** the sandbox clock's start; defaults to the real time */
  now?: Date | string
  /** requests an hour per database (Autotask: 10,000) */
  hourlyLimit?: number
  /** concurrent requests per integration code and entity (Autotask: 3) */
  threadLimit?: number
  /** added latency once usage passes 50 % and 75 % of the hourly limit */
  slowdownLatencyMs?: { over50: number; over75: number }
  zoneName?: string
}

export type ResolvedSandboxOptions = Required<
  Omit<AutotaskSandboxOptions, 'now' | 'host' | 'port'>
> & { now: Date }

export type FaultKind = 'error' | 'throttle' | 'timeout'

export interface SandboxFault {
  kind: FaultKind
  remaining: number
  /** matching calls let through before the fault starts */
  after: number
  /** lower-case entity name, or null for any API call */
  entity: string | null
  status: number
}

export interface SandboxRequestLogEntry {
  seq: number
  /** real time the request arrived (ms since epoch) */
  receivedAt: number
  /** sandbox clock time the request arrived */
  clockAt: string
  method: string
  path: string
  query: string
  entity: string | null
  body: unknown
  headerNames: string[]
  username: string | null
  status: number | null
  /** real time the answer was sent (ms since epoch); null until then */
  answeredAt: number | null
}

export interface SandboxStats {
  requests: { total: number; byEntity: Record<string, number> }
  zoneLookups: number
  maxConcurrency: Record<string, number>
  refusals: { thread: number; hourly: number }
  faultsServed: number
  usage: { count: number; limit: number; timeframeMinutes: number }
  now: string
}

const HOUR_MS = 3_600_000

/** A clock that can be set, advanced or sped up, so hourly budgets are testable without waiting. */
export class SandboxClock {
  #base: number
  #realBase = Date.now()
  #speed = 1

  constructor(start: Date) {
    this.#base = start.getTime()
  }

  now(): number {
    return this.#base + (Date.now() - this.#realBase) * this.#speed
  }

  set(date: Date): void {
    this.#base = date.getTime()
    this.#realBase = Date.now()
  }

  advance(ms: number): void {
    this.set(new Date(this.now() + ms))
  }

  get speed(): number {
    return this.#speed
  }

  setSpeed(speed: number): void {
    this.set(new Date(this.now()))
    this.#speed = speed
  }
}

/** The Autotask sandbox's state as plain JSON (see `AutotaskSandboxState.snapshot`). */
export interface AutotaskSandboxSnapshot {
  options: Omit<ResolvedSandboxOptions, 'now'> & { now: string }
  clock: { now: number; speed: number; savedAt: number }
  position: SeedPosition
  tables: Record<SandboxEntity, SandboxRecord[]>
}

export function resolveOptions(options: AutotaskSandboxOptions = {}): ResolvedSandboxOptions {
  return {
    seed: options.seed ?? 20240601,
    invoices: options.invoices ?? 250,
    companies: options.companies ?? 40,
    purchaseOrders: options.purchaseOrders ?? 20,
    largeInvoiceLines: options.largeInvoiceLines ?? 500,
    daysOfHistory: options.daysOfHistory ?? 60,
    now: options.now ? new Date(options.now) : new Date(),
    hourlyLimit: options.hourlyLimit ?? 10_000,
    threadLimit: options.threadLimit ?? 3,
    slowdownLatencyMs: options.slowdownLatencyMs ?? { over50: 500, over75: 1000 },
    zoneName: options.zoneName ?? 'Sandbox (localhost)',
  }
}

/**
 * Everything the Autotask sandbox holds: the seeded database, the API users, the
 * hourly budget and thread counters, injected faults and latency, and a log of the
 * requests it received. Tests may call these methods directly; the same operations
 * are reachable over HTTP under /_sandbox/.
 */
export class AutotaskSandboxState {
  options: ResolvedSandboxOptions
  readonly users: SandboxApiUser[] = [AUTOTASK_SANDBOX_USER, AUTOTASK_SANDBOX_SECOND_USER]
  clock: SandboxClock
  tables!: SandboxTables
  /** the zone URL the look-up answers (set once the server listens) */
  zoneUrl = ''
  faults: SandboxFault[] = []
  latency = new Map<string, number>()
  requests: SandboxRequestLogEntry[] = []
  /** "Entity.field" → its picklist values (entityInformation/fields) */
  picklists = seedPicklists()
  #generator!: SeedGenerator
  #sorted = new Map<SandboxEntity, SandboxRecord[]>()
  #itemsByInvoice: Map<number, SandboxRecord[]> | null = null
  #inFlight = new Map<string, number>()
  #seq = 0
  #usage = { count: 0, windowStart: 0, limit: 0 }
  #stats = {
    total: 0,
    byEntity: {} as Record<string, number>,
    zoneLookups: 0,
    maxConcurrency: {} as Record<string, number>,
    refusals: { thread: 0, hourly: 0 },
    faultsServed: 0,
  }

  constructor(options: AutotaskSandboxOptions = {}) {
    this.options = resolveOptions(options)
    this.clock = new SandboxClock(this.options.now)
    this.reset({ now: this.options.now })
  }

  /** Reseeds the database and clears counters, faults, latency and the log. */
  reset(options: AutotaskSandboxOptions = {}): void {
    const seedNow = options.now ? new Date(options.now) : new Date(this.clock.now())
    if (options.now) this.clock.set(seedNow)
    this.options = resolveOptions({ ...this.options, ...options, now: seedNow })
    this.#generator = new SeedGenerator(this.options)
    this.tables = this.#generator.generate()
    this.#changed()
    this.faults = []
    this.picklists = seedPicklists()
    this.latency.clear()
    this.requests = []
    this.#seq = 0
    this.#usage = { count: 0, windowStart: this.clock.now(), limit: this.options.hourlyLimit }
    this.#stats = {
      total: 0,
      byEntity: {},
      zoneLookups: 0,
      maxConcurrency: {},
      refusals: { thread: 0, hourly: 0 },
      faultsServed: 0,
    }
  }

  /** Records of an entity in id order (Autotask returns query results by id). */
  sorted(entity: SandboxEntity): SandboxRecord[] {
    let records = this.#sorted.get(entity)
    if (!records) {
      records = [...this.tables[entity].values()].sort((a, b) => a.id - b.id)
      this.#sorted.set(entity, records)
    }
    return records
  }

  itemsOf(invoiceId: number): SandboxRecord[] {
    if (!this.#itemsByInvoice) {
      this.#itemsByInvoice = new Map()
      for (const item of this.sorted('BillingItems')) {
        const list = this.#itemsByInvoice.get(item.invoiceID as number) ?? []
        list.push(item)
        this.#itemsByInvoice.set(item.invoiceID as number, list)
      }
    }
    return this.#itemsByInvoice.get(invoiceId) ?? []
  }

  /** A billing run happening now: `invoices` new invoices with their items. */
  addBillingRun(run: {
    invoices: number
    finished?: boolean
    companyIds?: number[]
    lines?: number
  }) {
    const batchID = this.#generator.nextBatchID()
    const companies = run.companyIds?.length ? run.companyIds : this.#generator.customerIds()
    const created: SandboxRecord[] = []
    const start = this.clock.now()
    for (let index = 0; index < run.invoices; index++) {
      created.push(
        this.#generator.addInvoice({
          createdAt: new Date(start + index),
          batchID,
          companyID: this.#generator.rng.pick(companies),
          finished: run.finished ?? true,
          lines: run.lines,
        })
      )
    }
    this.#changed()
    return { batchID, invoiceIds: created.map((invoice) => invoice.id) }
  }

  /** A new customer company in a tax region (1 is GST NZ) and currency (a Currencies id, or none); billing runs may then name it. */
  addCompany(company: {
    companyName: string
    taxRegionID?: number
    currencyID?: number | null
  }): SandboxRecord {
    const created = this.#generator.addCompany(
      company.companyName,
      company.taxRegionID ?? 1,
      company.currencyID ?? null
    )
    this.#changed()
    return created
  }

  /** Names a company's invoicing currency (a Currencies id, listed or not, or null), as a person does in Autotask. */
  setCompanyCurrency(id: number, currencyID: number | null): SandboxRecord | null {
    const company = this.tables.Companies.get(id)
    if (!company) return null
    company.currencyID = currencyID
    company.lastTrackedModifiedDateTime = new Date(this.clock.now()).toISOString()
    this.#changed()
    return company
  }

  /** Finishes every unfinished billing run: invoices get their numbers. */
  finishBillingRuns(): number[] {
    const finished: number[] = []
    let next =
      Math.max(
        10000,
        ...this.sorted('Invoices').map((invoice) => Number(invoice.invoiceNumber) || 0)
      ) + 1
    for (const invoice of this.sorted('Invoices')) {
      if (invoice.invoiceNumber === null) {
        invoice.invoiceNumber = String(next++)
        finished.push(invoice.id)
      }
    }
    return finished
  }

  deleteInvoice(id: number): boolean {
    if (!this.tables.Invoices.delete(id)) return false
    for (const item of this.itemsOf(id)) this.tables.BillingItems.delete(item.id)
    this.#changed()
    return true
  }

  voidInvoice(id: number): SandboxRecord | null {
    const invoice = this.tables.Invoices.get(id)
    if (!invoice) return null
    invoice.isVoided = true
    invoice.voidedDate = new Date(this.clock.now()).toISOString()
    invoice.voidedByResourceID = 29682885
    return invoice
  }

  setPurchaseOrderStatus(id: number, status: number): SandboxRecord | null {
    const order = this.tables.PurchaseOrders.get(id)
    if (!order) return null
    order.status = status
    const now = new Date(this.clock.now()).toISOString()
    if (status >= 2 && !order.submitDateTime) order.submitDateTime = now
    if (status === 5) order.cancelDateTime = now
    return order
  }

  /** The next `count` API calls (of one entity, or any) fail with a 500, a 429 or never answer; `after` lets that many through first. */
  failNext(
    kind: FaultKind,
    count: number,
    options: { entity?: string | null; status?: number; after?: number } = {}
  ): void {
    this.faults.push({
      kind,
      remaining: count,
      after: options.after ?? 0,
      entity: options.entity ? options.entity.toLowerCase() : null,
      status: options.status ?? (kind === 'throttle' ? 429 : 500),
    })
  }

  /** Extra latency on every API call (or one entity's); 0 removes it. */
  setLatency(ms: number, entity?: string | null): void {
    const key = entity ? entity.toLowerCase() : '*'
    if (ms > 0) this.latency.set(key, ms)
    else this.latency.delete(key)
  }

  /** Sets how much of the hourly budget is used, and optionally the budget itself. */
  setUsage(usage: { count?: number; limit?: number }): void {
    this.#rollWindow()
    if (usage.limit !== undefined) this.#usage.limit = usage.limit
    if (usage.count !== undefined) this.#usage.count = usage.count
  }

  thresholdInformation() {
    this.#rollWindow()
    return {
      externalRequestThreshold: this.#usage.limit,
      requestThresholdTimeframe: 60,
      currentTimeframeRequestCount: this.#usage.count,
    }
  }

  /** Share of the hourly budget used before this request (0..1+). */
  usageRatio(): number {
    this.#rollWindow()
    return this.#usage.limit ? this.#usage.count / this.#usage.limit : 0
  }

  /** Counts a request against the hourly budget; false when the budget is spent. */
  spendBudget(): boolean {
    this.#rollWindow()
    if (this.#usage.count >= this.#usage.limit) {
      this.#stats.refusals.hourly++
      return false
    }
    this.#usage.count++
    return true
  }

  takeFault(entity: string): SandboxFault | null {
    const lower = entity.toLowerCase()
    const fault = this.faults.find(
      (candidate) => candidate.remaining > 0 && (!candidate.entity || candidate.entity === lower)
    )
    if (!fault) return null
    if (fault.after > 0) {
      fault.after--
      return null
    }
    fault.remaining--
    this.faults = this.faults.filter((candidate) => candidate.remaining > 0)
    this.#stats.faultsServed++
    return fault
  }

  latencyFor(entity: string): number {
    return (this.latency.get(entity.toLowerCase()) ?? 0) + (this.latency.get('*') ?? 0)
  }

  /**
   * Admits a request into its (integration code, entity) slot; false past the thread limit: "thread
   * limits apply to the combination of each unique API tracking identifier plus object endpoint",
   * three for integrations made since 2023.1 (ww1.autotask.net/help/DeveloperHelp/Content/APIs/General/ThreadLimiting.htm).
   * What Autotask answers past it is not said there; strict here: a 429 at once. `maxConcurrency`
   * counts the refused request too, so a test sees any request past the limit.
   */
  enter(integrationCode: string, entity: string): boolean {
    const key = `${integrationCode}|${entity}`
    const active = (this.#inFlight.get(key) ?? 0) + 1
    this.#stats.maxConcurrency[entity] = Math.max(this.#stats.maxConcurrency[entity] ?? 0, active)
    if (active > this.options.threadLimit) {
      this.#stats.refusals.thread++
      return false
    }
    this.#inFlight.set(key, active)
    return true
  }

  leave(integrationCode: string, entity: string): void {
    const key = `${integrationCode}|${entity}`
    this.#inFlight.set(key, Math.max((this.#inFlight.get(key) ?? 1) - 1, 0))
  }

  countZoneLookup(): void {
    this.#stats.zoneLookups++
  }

  log(
    entry: Omit<SandboxRequestLogEntry, 'seq' | 'receivedAt' | 'clockAt' | 'status' | 'answeredAt'>
  ): SandboxRequestLogEntry {
    const logged: SandboxRequestLogEntry = {
      ...entry,
      seq: ++this.#seq,
      receivedAt: Date.now(),
      clockAt: new Date(this.clock.now()).toISOString(),
      status: null,
      answeredAt: null,
    }
    if (entry.entity) {
      this.#stats.total++
      this.#stats.byEntity[entry.entity] = (this.#stats.byEntity[entry.entity] ?? 0) + 1
    }
    this.requests.push(logged)
    if (this.requests.length > 20_000) this.requests.splice(0, this.requests.length - 20_000)
    return logged
  }

  /** Forgets the max-concurrency figures and request counts (the data stays). */
  resetStats(): void {
    this.requests = []
    this.#stats.total = 0
    this.#stats.byEntity = {}
    this.#stats.zoneLookups = 0
    this.#stats.maxConcurrency = {}
    this.#stats.refusals = { thread: 0, hourly: 0 }
    this.#stats.faultsServed = 0
  }

  stats(): SandboxStats {
    this.#rollWindow()
    return {
      requests: { total: this.#stats.total, byEntity: { ...this.#stats.byEntity } },
      zoneLookups: this.#stats.zoneLookups,
      maxConcurrency: { ...this.#stats.maxConcurrency },
      refusals: { ...this.#stats.refusals },
      faultsServed: this.#stats.faultsServed,
      usage: { count: this.#usage.count, limit: this.#usage.limit, timeframeMinutes: 60 },
      now: new Date(this.clock.now()).toISOString(),
    }
  }

  #rollWindow(): void {
    const elapsed = this.clock.now() - this.#usage.windowStart
    if (elapsed >= HOUR_MS) {
      this.#usage.windowStart += Math.floor(elapsed / HOUR_MS) * HOUR_MS
      this.#usage.count = 0
    }
  }

  /**
   * What outlives a restart of `sandbox:serve --state` (the demo keeps it beside its database): the
   * tables as they are now (billing runs, PATCHed, voided and deleted invoices), the generator's
   * position and the clock. The request log, counters, budget, faults and latency start afresh.
   */
  snapshot(): AutotaskSandboxSnapshot {
    return {
      options: { ...this.options, now: this.options.now.toISOString() },
      clock: { now: this.clock.now(), speed: this.clock.speed, savedAt: Date.now() },
      position: this.#generator.position,
      tables: Object.fromEntries(
        Object.entries(this.tables).map(([entity, records]) => [entity, [...records.values()]])
      ) as Record<SandboxEntity, SandboxRecord[]>,
    }
  }

  /** Takes back what `snapshot()` gave (after a JSON round trip); its clock carries on from where it was saved. */
  restore(snapshot: AutotaskSandboxSnapshot): void {
    this.reset({ ...snapshot.options, now: new Date(snapshot.options.now) })
    this.#generator.position = snapshot.position
    for (const [entity, records] of Object.entries(this.tables) as [
      SandboxEntity,
      Map<number, SandboxRecord>,
    ][]) {
      // A table a state saved before it existed (Currencies) keeps its seed.
      const saved = snapshot.tables[entity]
      if (!saved) continue
      records.clear()
      for (const record of saved) records.set(record.id, record)
    }
    this.#changed()
    const elapsed = Math.max(0, Date.now() - snapshot.clock.savedAt)
    this.clock.set(new Date(snapshot.clock.now + elapsed * snapshot.clock.speed))
    this.clock.setSpeed(snapshot.clock.speed)
    this.#usage = { count: 0, windowStart: this.clock.now(), limit: this.options.hourlyLimit }
  }

  #changed(): void {
    this.#sorted.clear()
    this.#itemsByInvoice = null
  }
}
