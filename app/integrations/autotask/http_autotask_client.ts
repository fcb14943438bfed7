import axios, { AxiosError, type AxiosInstance, type Method } from 'axios'
import PQueue from 'p-queue'
import { AutotaskClient } from '#integrations/autotask/autotask_client'
import type { AutotaskBudget } from '#integrations/autotask/autotask_budget'
import {
  AutotaskAuthError,
  AutotaskError,
  AutotaskNotFoundError,
  AutotaskThrottledError,
  AutotaskTransientError,
  AutotaskValidationError,
} from '#integrations/autotask/errors'
import {
  companyFields,
  type AutotaskDimensionValue,
  type AutotaskCredentials,
  type AutotaskCursor,
  type AutotaskEntity,
  type BillingCode,
  type BillingContact,
  type BillingItem,
  type Company,
  type Currency,
  type CompanyName,
  type FieldInformation,
  type ConnectionTestResult,
  type Invoice,
  type InvoiceTemplate,
  type PurchaseOrder,
  type PurchaseOrderItem,
  type PurchaseOrderQuery,
  type QueryFilter,
  type QueryModel,
  type QueryResult,
  type Tax,
  type TaxRegion,
  type ThresholdInformation,
  type ZoneInformation,
} from '#integrations/autotask/types'

export interface HttpAutotaskClientOptions {
  /** host of the zone look-up, e.g. https://webservices.autotask.net */
  zoneLookupUrl: string
  timeoutMs: number
  /** Autotask allows 3 threads per integration code and entity */
  concurrencyPerEntity: number
  /** records a page (Autotask's maximum is 500) */
  pageSize: number
  /** ids per `in` filter */
  inFilterChunkSize: number
  /** read ThresholdInformation at most once every N calls or every N ms */
  thresholdCheck: { everyCalls: number; everyMs: number }
  /** spread calls once usage passes `fromUsage` (0.5 = half the hourly budget) */
  slowDown: { fromUsage: number; maxSpacingMs: number }
}

interface RequestOptions {
  entity: string
  body?: unknown
  params?: Record<string, string>
  /** the URL is absolute (nextPageUrl) instead of relative to the zone */
  absolute?: boolean
  /** skip the periodic threshold check and the pacing (the check itself, the zone look-up) */
  skipThresholdCheck?: boolean
  /** what the call was for, in words, for error messages */
  purpose: string
}

/**
 * Process-wide, because Autotask counts threads per integration code and entity,
 * not per client object: two products sharing an integration code share the cap.
 */
const entityQueues = new Map<string, PQueue>()

/** Zone per look-up host and user; zones do not move, so they live as long as the process. */
const zoneCache = new Map<string, Promise<ZoneInformation>>()

/**
 * Forgets every cached zone. For tests: a sandbox started on a port an earlier test's sandbox used
 * would otherwise find that test's zones (the cache is keyed by the look-up URL).
 */
export function forgetZones() {
  zoneCache.clear()
}

function chunk<T>(values: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let index = 0; index < values.length; index += size) {
    chunks.push(values.slice(index, index + size))
  }
  return chunks
}

function toIso(cursor: AutotaskCursor): string {
  const date = cursor instanceof Date ? cursor : new Date(cursor)
  if (Number.isNaN(date.getTime())) {
    throw new AutotaskValidationError(
      `"${String(cursor)}" is not a date the Autotask client can filter on.`
    )
  }
  return date.toISOString()
}

function uniqueIds(ids: readonly number[]): number[] {
  return [...new Set(ids.filter((id) => Number.isInteger(id)))]
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

/** Autotask's `{errors: [...]}` as strings, whatever shape each element has. */
function autotaskMessages(data: unknown): string[] {
  if (!data || typeof data !== 'object') {
    return typeof data === 'string' && data.trim() ? [data.trim().slice(0, 500)] : []
  }
  const errors = (data as { errors?: unknown }).errors
  if (!Array.isArray(errors)) {
    const message = (data as { message?: unknown }).message
    return typeof message === 'string' ? [message] : []
  }
  return errors.map((error) => {
    if (typeof error === 'string') return error
    if (error && typeof error === 'object' && 'message' in error) return String(error.message)
    return JSON.stringify(error)
  })
}

/**
 * The Autotask REST client over axios. One instance speaks for one API user;
 * the unconnected instance the container holds only carries settings.
 */
export class HttpAutotaskClient extends AutotaskClient {
  readonly #options: HttpAutotaskClientOptions
  readonly #credentials: AutotaskCredentials | null
  readonly #http: AxiosInstance
  readonly #budget: AutotaskBudget | null
  #zone: ZoneInformation | null = null
  #callCount = 0
  #callsSinceThresholdCheck = 0
  #lastThresholdCheckAt: number | null = null
  #thresholdCheck: Promise<void> | null = null
  #spacingMs = 0
  /** Past the slow-down mark, one call starts per `#spacingMs` (a sliding window of one). */
  #pacer: PQueue | null = null

  constructor(
    options: HttpAutotaskClientOptions,
    credentials: AutotaskCredentials | null = null,
    /** Autotask's limits shared with every process through the database; without one, only this process's queues */
    budget: AutotaskBudget | null = null
  ) {
    super()
    this.#options = options
    this.#credentials = credentials
    this.#budget = budget
    this.#http = axios.create({
      timeout: options.timeoutMs,
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      validateStatus: () => true,
      maxRedirects: 0,
    })
    if (credentials?.zoneUrl) {
      this.#zone = { zoneName: '', url: withSlash(credentials.zoneUrl), webUrl: '', ci: 0 }
    }
  }

  get callCount(): number {
    return this.#callCount
  }

  get zone(): ZoneInformation | null {
    return this.#zone
  }

  /** Milliseconds the client currently waits between calls (0 below half the budget). */
  get spacingMs(): number {
    return this.#spacingMs
  }

  connect(credentials: AutotaskCredentials): HttpAutotaskClient {
    return new HttpAutotaskClient(this.#options, credentials, this.#budget)
  }

  async lookupZone(options: { fresh?: boolean } = {}): Promise<ZoneInformation> {
    const credentials = this.#requireCredentials()
    const key = `${this.#options.zoneLookupUrl}|${credentials.username.toLowerCase()}`
    let pending = options.fresh ? undefined : zoneCache.get(key)
    if (!pending) {
      pending = this.#fetchZone(credentials.username)
      zoneCache.set(key, pending)
      pending.catch(() => zoneCache.delete(key))
    }
    this.#zone = await pending
    return this.#zone
  }

  async testConnection(): Promise<ConnectionTestResult> {
    try {
      const zone = await this.lookupZone({ fresh: true })
      const probe = this.query<{ id: number }>('Companies', [{ op: 'eq', field: 'id', value: 0 }], {
        includeFields: ['id'],
        pageSize: 1,
      })
      await probe.next()
      await probe.return(undefined)
      return { ok: true, zone }
    } catch (error) {
      if (error instanceof AutotaskError) {
        return { ok: false, reason: error.message }
      }
      throw error
    }
  }

  async *query<T>(
    entity: AutotaskEntity,
    filter: QueryFilter[],
    options: { includeFields?: readonly string[]; pageSize?: number } = {}
  ): AsyncGenerator<T[], void, undefined> {
    const body: QueryModel = {
      filter,
      ...(options.includeFields?.length ? { includeFields: [...options.includeFields] } : {}),
      MaxRecords: Math.min(options.pageSize ?? this.#options.pageSize, 500),
    }
    let page = await this.#request<QueryResult<T>>('POST', `v1.0/${entity}/query`, {
      entity,
      body,
      purpose: `query ${entity}`,
    })
    yield page.items ?? []
    while (page.pageDetails?.nextPageUrl) {
      page = await this.#request<QueryResult<T>>(
        'GET',
        this.#sameOrigin(page.pageDetails.nextPageUrl),
        {
          entity,
          absolute: true,
          purpose: `read the next page of ${entity}`,
        }
      )
      yield page.items ?? []
    }
  }

  async count(entity: AutotaskEntity, filter: QueryFilter[]): Promise<number> {
    const result = await this.#request<{ queryCount: number }>(
      'POST',
      `v1.0/${entity}/query/count`,
      {
        entity,
        body: { filter },
        purpose: `count ${entity}`,
      }
    )
    return result.queryCount
  }

  invoicesSince(cursor: AutotaskCursor, options: { pageSize?: number } = {}) {
    return this.query<Invoice>('Invoices', this.#invoicesSinceFilter(cursor), options)
  }

  countInvoicesSince(cursor: AutotaskCursor): Promise<number> {
    return this.count('Invoices', this.#invoicesSinceFilter(cursor))
  }

  async invoicesByIds(ids: readonly number[]): Promise<Map<number, Invoice>> {
    const invoices = await this.#inQuery<Invoice>('Invoices', 'id', ids)
    return new Map(invoices.map((invoice) => [invoice.id, invoice]))
  }

  async getInvoice(id: number): Promise<Invoice> {
    const result = await this.#request<{ item: Invoice | null }>('GET', `v1.0/Invoices/${id}`, {
      entity: 'Invoices',
      purpose: `read invoice ${id}`,
    })
    if (!result.item) {
      throw new AutotaskNotFoundError(
        `Autotask has no invoice with id ${id} (it may have been deleted).`,
        {
          status: 200,
        }
      )
    }
    return result.item
  }

  async billingItemsForInvoices(
    invoiceIds: readonly number[]
  ): Promise<Map<number, BillingItem[]>> {
    const ids = uniqueIds(invoiceIds)
    const byInvoice = new Map<number, BillingItem[]>(ids.map((id) => [id, []]))
    for (const item of await this.#inQuery<BillingItem>('BillingItems', 'invoiceID', ids)) {
      byInvoice.get(item.invoiceID as number)?.push(item)
    }
    for (const items of byInvoice.values()) {
      items.sort((a, b) => (a.sortOrderID ?? 0) - (b.sortOrderID ?? 0) || a.id - b.id)
    }
    return byInvoice
  }

  async companiesByIds(ids: readonly number[]): Promise<Map<number, Company>> {
    const companies = await this.#inQuery<Company>('Companies', 'id', ids, companyFields)
    return new Map(companies.map((company) => [company.id, company]))
  }

  async invoiceMarkup(invoiceId: number): Promise<string> {
    const result = await this.#request<{ invoiceMarkup: string | null }>(
      'GET',
      `v1.0/Invoices/${invoiceId}/InvoiceMarkupHtml`,
      { entity: 'Invoices', purpose: `read the HTML copy of invoice ${invoiceId}` }
    )
    if (typeof result.invoiceMarkup !== 'string') {
      throw new AutotaskNotFoundError(`Autotask has no HTML copy of invoice ${invoiceId}.`, {
        status: 200,
      })
    }
    return result.invoiceMarkup
  }

  taxRegions(): Promise<TaxRegion[]> {
    return this.#all<TaxRegion>('TaxRegions', [{ op: 'gte', field: 'id', value: 0 }])
  }

  currencies(): Promise<Currency[]> {
    return this.#all<Currency>(
      'Currencies',
      [{ op: 'gte', field: 'id', value: 0 }],
      ['id', 'name', 'description', 'isActive', 'isInternalCurrency']
    )
  }

  taxes(): Promise<Tax[]> {
    return this.#all<Tax>('Taxes', [{ op: 'gte', field: 'id', value: 0 }])
  }

  billingCodes(): Promise<BillingCode[]> {
    return this.#all<BillingCode>('BillingCodes', [{ op: 'gte', field: 'id', value: 0 }])
  }

  async territories(): Promise<AutotaskDimensionValue[]> {
    const field = (await this.fieldInformation('Companies')).find(
      (candidate) => candidate.name.toLowerCase() === 'territoryid'
    )
    return (field?.picklistValues ?? [])
      .sort((a, b) => a.sortOrder - b.sortOrder)
      .map((value) => ({
        id: Number(value.value),
        name: value.label,
        isActive: value.isActive,
        members: [],
      }))
  }

  async departments(): Promise<AutotaskDimensionValue[]> {
    const everything = [{ op: 'gte', field: 'id', value: 0 }] as QueryFilter[]
    const [departments, codes] = await Promise.all([
      this.#all<{ id: number; name: string }>('Departments', everything, ['id', 'name']),
      this.#all<BillingCode>('BillingCodes', everything, ['id', 'department']),
    ])
    return departments.map((department) => ({
      id: department.id,
      name: department.name,
      isActive: true,
      members: codes.filter((code) => code.department === department.id).map((code) => code.id),
    }))
  }

  async linesOfBusiness(): Promise<AutotaskDimensionValue[]> {
    const everything = [{ op: 'gte', field: 'id', value: 0 }] as QueryFilter[]
    const [levels, associations] = await Promise.all([
      this.#all<{ id: number; name: string; isActive: boolean }>(
        'OrganizationalLevel2s',
        everything,
        ['id', 'name', 'isActive']
      ),
      this.#all<{ id: number; organizationalLevel2ID: number }>(
        'OrganizationalLevelAssociations',
        everything,
        ['id', 'organizationalLevel2ID']
      ),
    ])
    return levels.map((level) => ({
      id: level.id,
      name: level.name,
      isActive: level.isActive,
      members: associations
        .filter((association) => association.organizationalLevel2ID === level.id)
        .map((association) => association.id),
    }))
  }

  invoiceTemplates(): Promise<InvoiceTemplate[]> {
    return this.#all<InvoiceTemplate>(
      'InvoiceTemplates',
      [{ op: 'gte', field: 'id', value: 0 }],
      ['id', 'name']
    )
  }

  async fieldInformation(entity: AutotaskEntity): Promise<FieldInformation[]> {
    const result = await this.#request<{ fields?: FieldInformation[] }>(
      'GET',
      `v1.0/${entity}/entityInformation/fields`,
      { entity, purpose: `read the fields of ${entity}` }
    )
    return result.fields ?? []
  }

  async billingContacts(companyIds: readonly number[]): Promise<Map<number, BillingContact>> {
    const byCompany = new Map<number, BillingContact>()
    for (const values of chunk(uniqueIds(companyIds), this.#options.inFilterChunkSize)) {
      const contacts = await this.#all<BillingContact & { primaryContact: boolean }>(
        'Contacts',
        [
          { op: 'in', field: 'companyID', value: values },
          { op: 'eq', field: 'primaryContact', value: true },
          { op: 'eq', field: 'isActive', value: true },
        ],
        ['id', 'companyID', 'firstName', 'lastName', 'emailAddress', 'primaryContact']
      )
      for (const contact of contacts.sort((a, b) => a.id - b.id)) {
        if (!byCompany.has(contact.companyID)) byCompany.set(contact.companyID, contact)
      }
    }
    return byCompany
  }

  companyNames(): Promise<CompanyName[]> {
    return this.#all<CompanyName>(
      'Companies',
      [{ op: 'gte', field: 'id', value: 0 }],
      ['id', 'companyName', 'isActive']
    )
  }

  purchaseOrders(query: PurchaseOrderQuery): AsyncGenerator<PurchaseOrder[], void, undefined> {
    const filter: QueryFilter[] = []
    if (query.statuses?.length) {
      filter.push({ op: 'in', field: 'status', value: [...query.statuses] })
    }
    if (query.changedSince !== undefined) {
      const since = toIso(query.changedSince)
      filter.push({
        op: 'or',
        items: ['createDateTime', 'submitDateTime', 'cancelDateTime'].map((field) => ({
          op: 'gt' as const,
          field,
          value: since,
        })),
      })
    }
    if (!filter.length) {
      filter.push({ op: 'gte', field: 'id', value: 0 })
    }
    return this.query<PurchaseOrder>('PurchaseOrders', filter)
  }

  async purchaseOrderItems(orderIds: readonly number[]): Promise<Map<number, PurchaseOrderItem[]>> {
    const ids = uniqueIds(orderIds)
    const byOrder = new Map<number, PurchaseOrderItem[]>(ids.map((id) => [id, []]))
    for (const item of await this.#inQuery<PurchaseOrderItem>(
      'PurchaseOrderItems',
      'orderID',
      ids
    )) {
      byOrder.get(item.orderID)?.push(item)
    }
    return byOrder
  }

  async thresholdInformation(): Promise<ThresholdInformation> {
    const info = await this.#request<ThresholdInformation>('GET', 'v1.0/ThresholdInformation', {
      entity: 'ThresholdInformation',
      skipThresholdCheck: true,
      purpose: 'read the request threshold',
    })
    this.#applyThreshold(info)
    return info
  }

  async stampWebServiceDate(invoiceId: number, at: Date = new Date()): Promise<void> {
    await this.#request<{ itemId: number }>('PATCH', 'v1.0/Invoices', {
      entity: 'Invoices',
      body: { id: invoiceId, webServiceDate: at.toISOString() },
      purpose: `stamp invoice ${invoiceId} as processed`,
    })
  }

  /** PATCH v1.0/Invoices: paidDate is a writable date-time of InvoiceModel (autotask_models_extract.json). */
  async setInvoicePaidDate(invoiceId: number, paidDate: string | null): Promise<void> {
    await this.#request<{ itemId: number }>('PATCH', 'v1.0/Invoices', {
      entity: 'Invoices',
      body: { id: invoiceId, paidDate: paidDate === null ? null : `${paidDate}T00:00:00Z` },
      purpose: paidDate
        ? `record invoice ${invoiceId} as paid on ${paidDate}`
        : `clear the paid date of invoice ${invoiceId}`,
    })
  }

  #invoicesSinceFilter(cursor: AutotaskCursor): QueryFilter[] {
    const since = toIso(cursor)
    return [
      {
        op: 'or',
        items: [
          { op: 'gt', field: 'createDateTime', value: since },
          { op: 'gt', field: 'voidedDate', value: since },
        ],
      },
    ]
  }

  async #all<T>(entity: AutotaskEntity, filter: QueryFilter[], includeFields?: readonly string[]) {
    const records: T[] = []
    for await (const page of this.query<T>(entity, filter, { includeFields })) {
      records.push(...page)
    }
    return records
  }

  /** Records whose `field` is one of `ids`, `inFilterChunkSize` ids a query, chunks in parallel. */
  async #inQuery<T>(
    entity: AutotaskEntity,
    field: string,
    ids: readonly number[],
    includeFields?: readonly string[]
  ): Promise<T[]> {
    const chunks = chunk(uniqueIds(ids), this.#options.inFilterChunkSize)
    const results = await Promise.all(
      chunks.map((values) =>
        this.#all<T>(entity, [{ op: 'in', field, value: values }], includeFields)
      )
    )
    return results.flat()
  }

  async #fetchZone(username: string): Promise<ZoneInformation> {
    const url = `${this.#options.zoneLookupUrl.replace(/\/+$/, '')}/atservicesrest/v1.0/zoneInformation`
    const zone = await this.#request<ZoneInformation>('GET', url, {
      entity: 'zoneInformation',
      absolute: true,
      params: { user: username },
      skipThresholdCheck: true,
      purpose: 'look up the Autotask zone',
    })
    if (!zone?.url) {
      throw new AutotaskTransientError('The Autotask zone look-up answered without a zone URL.')
    }
    return { ...zone, url: withSlash(zone.url) }
  }

  #requireCredentials(): AutotaskCredentials {
    if (!this.#credentials) {
      throw new AutotaskAuthError(
        'missing_credentials',
        'No Autotask credentials are set for this product: enter the API user, secret and integration code.'
      )
    }
    return this.#credentials
  }

  /** Only follow page links to the zone we authenticated against: the secret goes along. */
  #sameOrigin(url: string): string {
    const zone = this.#zone
    if (!zone || new URL(url).origin !== new URL(zone.url).origin) {
      throw new AutotaskValidationError(
        'Autotask sent a next-page link to another host; the client refuses to send credentials there.'
      )
    }
    return url
  }

  async #request<T>(method: Method, path: string, options: RequestOptions): Promise<T> {
    const credentials = this.#requireCredentials()
    const isLookup = options.entity === 'zoneInformation'
    const zone = isLookup ? null : (this.#zone ?? (await this.lookupZone()))
    if (!options.skipThresholdCheck) {
      await this.#maybeCheckThreshold()
      await this.#pace()
    }

    if (isLookup) return this.#send<T>(method, path, options, credentials, null)
    const queue = this.#entityQueue(credentials.integrationCode, options.entity)
    return queue.add(() =>
      this.#withinBudget(credentials, zone!, options.entity, () =>
        this.#send<T>(method, path, options, credentials, zone)
      )
    )
  }

  /**
   * Under the limits every process shares (AutotaskBudget): a thread slot of the integration code and
   * entity, and the database's hour; the queue above keeps this process's own requests in line first.
   */
  async #withinBudget<T>(
    credentials: AutotaskCredentials,
    zone: ZoneInformation,
    entity: string,
    send: () => Promise<T>
  ): Promise<T> {
    if (!this.#budget) return send()
    // The database by its zone and API user (an API user belongs to one database); the URL unparsed, so a bad one still fails in #send, clearly.
    const database = `${zone.url}|${credentials.username}`
    const code = credentials.integrationCode
    const slot = await this.#budget.acquire(database, code, entity)
    try {
      return await send()
    } finally {
      await this.#budget.release(database, code, entity, slot)
    }
  }

  /** One HTTP call, its failures turned into AutotaskError; `zone` is null only for the zone look-up. */
  async #send<T>(
    method: Method,
    path: string,
    options: RequestOptions,
    credentials: AutotaskCredentials,
    zone: ZoneInformation | null
  ): Promise<T> {
    const isLookup = zone === null
    try {
      this.#callCount++
      this.#callsSinceThresholdCheck++
      const headers: Record<string, string> = isLookup
        ? {}
        : {
            ApiIntegrationCode: credentials.integrationCode,
            UserName: credentials.username,
            Secret: credentials.secret,
          }
      if (!isLookup && credentials.impersonationResourceId) {
        headers.ImpersonationResourceId = String(credentials.impersonationResourceId)
      }
      const response = await this.#http.request({
        method,
        url: options.absolute ? path : `${zone!.url}${path}`,
        params: options.params,
        data: options.body,
        headers,
      })
      if (response.status >= 200 && response.status < 300) {
        return response.data as T
      }
      throw this.#mapFailure(
        response.status,
        response.data,
        response.headers['retry-after'],
        options
      )
    } catch (error) {
      if (error instanceof AutotaskError) {
        if (error instanceof AutotaskThrottledError) {
          this.#lastThresholdCheckAt = null
        }
        throw error
      }
      throw this.#mapNetworkFailure(error, options)
    }
  }

  #entityQueue(integrationCode: string, entity: string): PQueue {
    const key = `${integrationCode}|${entity.toLowerCase()}`
    let queue = entityQueues.get(key)
    if (!queue) {
      queue = new PQueue({ concurrency: this.#options.concurrencyPerEntity })
      entityQueues.set(key, queue)
    }
    return queue
  }

  async #maybeCheckThreshold(): Promise<void> {
    const { everyCalls, everyMs } = this.#options.thresholdCheck
    const due =
      this.#lastThresholdCheckAt === null ||
      this.#callsSinceThresholdCheck >= everyCalls ||
      Date.now() - this.#lastThresholdCheckAt >= everyMs
    if (!due) return
    if (!this.#thresholdCheck) {
      this.#lastThresholdCheckAt = Date.now()
      this.#callsSinceThresholdCheck = 0
      this.#thresholdCheck = this.thresholdInformation()
        .then(() => undefined)
        .catch((error) => {
          if (error instanceof AutotaskAuthError) throw error
        })
        .finally(() => {
          this.#thresholdCheck = null
        })
    }
    await this.#thresholdCheck
  }

  /** Past the slow-down mark, spread the remaining budget over a full timeframe. */
  #applyThreshold(info: ThresholdInformation): void {
    const limit = info.externalRequestThreshold
    const used = info.currentTimeframeRequestCount
    let spacingMs = 0
    if (limit && used / limit >= this.#options.slowDown.fromUsage) {
      const remaining = Math.max(limit - used, 1)
      const timeframeMs = (info.requestThresholdTimeframe || 60) * 60_000
      spacingMs = Math.min(Math.ceil(timeframeMs / remaining), this.#options.slowDown.maxSpacingMs)
    }
    if (spacingMs === this.#spacingMs) return
    this.#spacingMs = spacingMs
    this.#pacer = spacingMs
      ? new PQueue({ intervalCap: 1, interval: spacingMs, strict: true })
      : null
  }

  async #pace(): Promise<void> {
    await this.#pacer?.add(() => {})
  }

  #mapNetworkFailure(error: unknown, options: RequestOptions): AutotaskError {
    if (error instanceof AxiosError) {
      if (
        error.code === 'ECONNABORTED' ||
        error.code === 'ETIMEDOUT' ||
        /timeout/i.test(error.message)
      ) {
        return new AutotaskTransientError(
          `Autotask did not answer within ${Math.round(this.#options.timeoutMs / 1000)} s when asked to ${options.purpose}; it will be tried again.`,
          { timedOut: true }
        )
      }
      return new AutotaskTransientError(
        `Could not reach Autotask to ${options.purpose} (${error.code ?? 'network error'}); it will be tried again.`
      )
    }
    if (error instanceof TypeError) {
      return new AutotaskValidationError(
        `The Autotask address is not a valid URL (${error.message}).`
      )
    }
    return new AutotaskTransientError(`Autotask failed to ${options.purpose}: ${String(error)}`)
  }

  #mapFailure(
    status: number,
    data: unknown,
    retryAfter: unknown,
    options: RequestOptions
  ): AutotaskError {
    const autotaskErrors = autotaskMessages(data)
    const said = autotaskErrors.join(' ')
    const details = { status, autotaskErrors }
    const user = this.#credentials?.username ?? ''
    const quoted = said ? ` Autotask said: "${said.slice(0, 300)}"` : ''

    if (
      options.entity === 'zoneInformation' &&
      (status === 404 || /zone information/i.test(said) || status >= 500)
    ) {
      if (status >= 500 && !/zone information|user/i.test(said)) {
        return new AutotaskTransientError(
          `The Autotask zone look-up failed (HTTP ${status}).${quoted}`,
          details
        )
      }
      return new AutotaskAuthError(
        'unknown_user',
        `Autotask does not know the API user "${user}". Check the user name: it is the API user's e-mail address.`,
        details
      )
    }
    if (status === 429 || /threshold|too many requests|rate limit|request limit/i.test(said)) {
      const seconds = Number(retryAfter)
      return new AutotaskThrottledError(
        `Autotask is refusing requests for now (its request limit is reached); it will be tried again later.${quoted}`,
        {
          ...details,
          retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null,
        }
      )
    }
    if (status === 401) {
      return new AutotaskAuthError(
        'bad_secret',
        `Autotask refused the secret of API user "${user}". Check the secret (the API user's password).`,
        details
      )
    }
    if (/integration\s*code|tracking identifier/i.test(said)) {
      return new AutotaskAuthError(
        'bad_integration_code',
        "Autotask refused the API integration code. Copy it again from the API user's API Tracking Identifier.",
        details
      )
    }
    if (
      /\buser(\s*name)?\b.{0,160}?\b(not (a )?valid|invalid|not found|does not exist|unknown|inactive)\b/i.test(
        said
      )
    ) {
      return new AutotaskAuthError(
        'unknown_user',
        `Autotask does not accept the API user "${user}". Check the user name and that the user is an active API user.`,
        details
      )
    }
    if (status === 403) {
      return new AutotaskAuthError(
        'forbidden',
        `API user "${user}" may not ${options.purpose}. Give its security level access to ${options.entity}.`,
        details
      )
    }
    if (
      status === 404 ||
      /does not exist|not found|could not be found|no longer exists/i.test(said)
    ) {
      return new AutotaskNotFoundError(
        `Autotask could not find what we asked for when trying to ${options.purpose}.${quoted}`,
        details
      )
    }
    if (status >= 400 && status < 500) {
      return new AutotaskValidationError(
        `Autotask rejected the request to ${options.purpose}.${quoted}`,
        details
      )
    }
    if (
      /invalid|is required|does not reference|read.?only|cannot|not a valid|unable to find|not allowed|must be/i.test(
        said
      )
    ) {
      return new AutotaskValidationError(
        `Autotask rejected the request to ${options.purpose}.${quoted}`,
        details
      )
    }
    return new AutotaskTransientError(
      `Autotask failed with HTTP ${status} when asked to ${options.purpose}; it will be tried again.${quoted}`,
      details
    )
  }
}
