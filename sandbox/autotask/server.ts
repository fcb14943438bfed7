import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  entityNamed,
  fieldNamed,
  type SandboxEntity,
  type SandboxRecord,
} from '#sandbox/autotask/entities'
import { fieldInformation } from '#sandbox/autotask/field_information'
import { invoiceMarkup } from '#sandbox/autotask/markup'
import {
  compileFilter,
  parseQueryModel,
  project,
  SandboxQueryError,
  type ParsedQuery,
} from '#sandbox/autotask/query'
import {
  AutotaskSandboxState,
  type AutotaskSandboxOptions,
  type FaultKind,
} from '#sandbox/autotask/state'
import { loggedBody } from '#sandbox/request_log'

/**
 * The Autotask sandbox: a plain node:http server that answers like Autotask's REST
 * API (zone look-up, header authentication, query/paging/count, GET by id, PATCH,
 * ThresholdInformation, InvoiceMarkupHtml, `{errors:[...]}` failures mostly as HTTP
 * 500, the hourly budget and the 3-thread limit) plus knobs under /_sandbox/.
 * No framework and no Adonis import, so `node ace sandbox:serve`, the demo and the
 * tests can all start it.
 */

export interface AutotaskSandbox {
  /** the zone URL the look-up answers, e.g. http://127.0.0.1:PORT/atservicesrest/ */
  url: string
  /** what to set as AUTOTASK_ZONE_LOOKUP_URL, e.g. http://127.0.0.1:PORT */
  lookupUrl: string
  /** base of the knobs, e.g. http://127.0.0.1:PORT/_sandbox */
  knobsUrl: string
  port: number
  state: AutotaskSandboxState
  close(): Promise<void>
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' }
const MAX_BODY_BYTES = 5 * 1024 * 1024
const EDITABLE_INVOICE_FIELDS = ['webServiceDate', 'comments', 'paidDate']

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return
  res.writeHead(status, JSON_HEADERS)
  res.end(JSON.stringify(body))
}

function fail(res: ServerResponse, status: number, ...errors: string[]): void {
  send(res, status, { errors })
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new HttpFailure(413, 'The request body is too large.')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8').trim()
}

function parseJson(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpFailure(500, 'The request body is not valid JSON.')
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  return parseJson(await readText(req))
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()]
  return typeof value === 'string' && value.length ? value : null
}

/** Starts the sandbox; `port: 0` (the default) picks a free port. */
export async function startAutotaskSandbox(
  options: AutotaskSandboxOptions = {}
): Promise<AutotaskSandbox> {
  const state = new AutotaskSandboxState(options)
  const host = options.host ?? '127.0.0.1'
  const server: Server = createServer((req, res) => {
    handle(state, req, res).catch((error) => {
      if (error instanceof HttpFailure) return fail(res, error.status, error.message)
      if (error instanceof SandboxQueryError) return fail(res, 500, error.message)
      fail(res, 500, `Sandbox fault: ${error instanceof Error ? error.message : String(error)}`)
    })
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const publicHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const lookupUrl = `http://${publicHost}:${port}`
  state.zoneUrl = `${lookupUrl}/atservicesrest/`
  return {
    url: state.zoneUrl,
    lookupUrl,
    knobsUrl: `${lookupUrl}/_sandbox`,
    port,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function handle(
  state: AutotaskSandboxState,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox.local')
  const path = url.pathname.replace(/\/+$/, '')
  const lower = path.toLowerCase()
  const method = (req.method ?? 'GET').toUpperCase()

  if (lower.startsWith('/_sandbox')) {
    return knobs(state, method, path.slice('/_sandbox'.length), url, await readJson(req), res)
  }
  if (lower === '/atservicesrest/versioninformation') {
    // GET /VersionInformation takes the API headers and answers an ApiVersionResultModel (swagger, reference/).
    if (method !== 'GET')
      return fail(res, 405, 'The requested resource does not support this HTTP method.')
    if (refuseCredentials(state, req, res)) return
    return send(res, 200, { apiVersions: ['1.0'] })
  }
  if (lower === '/atservicesrest/v1.0/zoneinformation' && method === 'GET') {
    state.countZoneLookup()
    const user = url.searchParams.get('user') ?? ''
    const known = state.users.some(
      (candidate) => candidate.username.toLowerCase() === user.toLowerCase()
    )
    if (!known) return fail(res, 500, 'Zone information could not be determined')
    return send(res, 200, {
      zoneName: state.options.zoneName,
      url: state.zoneUrl,
      webUrl: state.zoneUrl.replace(/atservicesrest\/$/, ''),
      ci: 70_0001,
    })
  }
  if (!lower.startsWith('/atservicesrest/v1.0/')) {
    return fail(res, 404, `No HTTP resource was found that matches the request URI '${path}'.`)
  }
  return api(state, req, res, method, url, path.split('/').slice(3))
}

/** Answers a request whose API headers are missing or wrong, as Autotask does; true when it did. */
function refuseCredentials(
  state: AutotaskSandboxState,
  req: IncomingMessage,
  res: ServerResponse
): boolean {
  const username = header(req, 'UserName')
  const secret = header(req, 'Secret')
  const integrationCode = header(req, 'ApiIntegrationCode')
  if (!username || !secret || !integrationCode) {
    fail(
      res,
      401,
      'Unauthorized: the ApiIntegrationCode, UserName and Secret headers are required.'
    )
    return true
  }
  const user = state.users.find(
    (candidate) => candidate.username.toLowerCase() === username.toLowerCase()
  )
  if (!user) {
    fail(res, 500, `The user name '${username}' is not a valid API user.`)
    return true
  }
  if (user.secret !== secret) {
    fail(res, 401, 'Unauthorized')
    return true
  }
  if (!state.users.some((candidate) => candidate.integrationCode === integrationCode)) {
    fail(res, 500, 'IntegrationCode is invalid.')
    return true
  }
  return false
}

async function api(
  state: AutotaskSandboxState,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  url: URL,
  segments: string[]
): Promise<void> {
  const username = header(req, 'UserName')
  const integrationCode = header(req, 'ApiIntegrationCode')
  const text = await readText(req)
  const first = segments[0] ?? ''
  const isThreshold = first.toLowerCase() === 'thresholdinformation'
  const entity = isThreshold ? null : entityNamed(first)
  const entityKey = isThreshold ? 'ThresholdInformation' : (entity ?? first)
  const entry = state.log({
    method,
    path: url.pathname,
    query: url.search,
    entity: entityKey,
    body: loggedBody(text, req.headers['content-type']),
    headerNames: Object.keys(req.headers),
    username,
  })
  res.on('finish', () => {
    entry.status = res.statusCode
    entry.answeredAt = Date.now()
  })

  if (refuseCredentials(state, req, res) || !integrationCode) return
  const body = parseJson(text)

  if (!state.enter(integrationCode, entityKey)) {
    return fail(
      res,
      429,
      `Thread threshold exceeded: at most ${state.options.threadLimit} concurrent requests are allowed per integration code and entity (${entityKey}).`
    )
  }
  res.on('close', () => state.leave(integrationCode, entityKey))

  const ratio = state.usageRatio()
  if (!isThreshold && !state.spendBudget()) {
    return fail(
      res,
      429,
      `The request limit of ${state.options.hourlyLimit} requests per 60 minutes for this database has been reached. Try again later.`
    )
  }
  const fault = state.takeFault(entityKey)
  if (fault?.kind === 'timeout') return
  if (fault) {
    return fault.kind === 'throttle'
      ? fail(res, fault.status, 'Too many requests. Please slow down.')
      : fail(res, fault.status, 'An unexpected error occurred on the server. Please try again.')
  }
  const { over50, over75 } = state.options.slowdownLatencyMs
  const delay =
    state.latencyFor(entityKey) +
    (isThreshold ? 0 : ratio >= 0.75 ? over75 : ratio >= 0.5 ? over50 : 0)
  if (delay > 0) await sleep(delay)
  if (res.destroyed) return

  if (isThreshold) {
    if (method !== 'GET')
      return fail(res, 405, 'The requested resource does not support this HTTP method.')
    return send(res, 200, state.thresholdInformation())
  }
  if (!entity)
    return fail(
      res,
      404,
      `No HTTP resource was found that matches the request URI '${url.pathname}'.`
    )
  return entityRoute(state, res, method, url, entity, segments.slice(1), body)
}

function entityRoute(
  state: AutotaskSandboxState,
  res: ServerResponse,
  method: string,
  url: URL,
  entity: SandboxEntity,
  rest: string[],
  body: unknown
): void {
  const [second, third] = rest.map((segment) => segment.toLowerCase())
  if (second === 'query' && !third && method === 'POST') {
    return send(
      res,
      200,
      runPage(state, entity, parseQueryModel(entity, body, { requireFilter: true }), {})
    )
  }
  if (second === 'query' && !third && method === 'GET') {
    const search = parseJsonParam(url, 'search')
    return send(
      res,
      200,
      runPage(state, entity, parseQueryModel(entity, search, { requireFilter: true }), {})
    )
  }
  if (second === 'query' && (third === 'next' || third === 'previous') && method === 'GET') {
    const search = parseJsonParam(url, 'search')
    const paging = parseJsonParam(url, 'paging') as {
      pageSize?: number
      lastId?: number
      firstId?: number
    }
    const query = parseQueryModel(
      entity,
      { ...(search as object), MaxRecords: paging?.pageSize },
      { requireFilter: true }
    )
    const cursor =
      third === 'next' ? { afterId: Number(paging?.lastId) } : { beforeId: Number(paging?.firstId) }
    return send(res, 200, runPage(state, entity, query, cursor))
  }
  if (second === 'query' && third === 'count' && (method === 'POST' || method === 'GET')) {
    // Both exist (swagger in reference/; Autotask help REST_Resource_Child_Access_URLs): GET takes `search`.
    const search = method === 'GET' ? parseJsonParam(url, 'search') : body
    const query = parseQueryModel(entity, search, { requireFilter: true })
    const predicate = compileFilter(entity, query.filter)
    return send(res, 200, { queryCount: state.sorted(entity).filter(predicate).length })
  }
  if (second === 'entityinformation' && third === 'fields' && method === 'GET') {
    return send(res, 200, { fields: fieldInformation(entity, state.picklists) })
  }
  if (second && /^\d+$/.test(second) && !third && method === 'GET') {
    const record = state.tables[entity].get(Number(second))
    return send(res, 200, { item: record ? { ...record } : null })
  }
  if (
    entity === 'Invoices' &&
    second &&
    /^\d+$/.test(second) &&
    third === 'invoicemarkuphtml' &&
    method === 'GET'
  ) {
    const invoice = state.tables.Invoices.get(Number(second))
    if (!invoice) return fail(res, 404, `Invoice ${second} was not found.`)
    const company = state.tables.Companies.get(invoice.companyID as number)
    return send(res, 200, {
      invoiceMarkup: invoiceMarkup(invoice, state.itemsOf(invoice.id), company),
    })
  }
  if (!second && method === 'PATCH') {
    return send(res, 200, patch(state, entity, body))
  }
  return fail(res, 405, `The requested resource does not support http method '${method}'.`)
}

function parseJsonParam(url: URL, name: string): unknown {
  const raw = url.searchParams.get(name)
  if (!raw) throw new SandboxQueryError(`The '${name}' parameter is required.`)
  try {
    return JSON.parse(raw)
  } catch {
    throw new SandboxQueryError(`The '${name}' parameter is not valid JSON.`)
  }
}

/** One page of a query, with Autotask's pageDetails and working next/previous links. */
function runPage(
  state: AutotaskSandboxState,
  entity: SandboxEntity,
  query: ParsedQuery,
  cursor: { afterId?: number; beforeId?: number }
) {
  const predicate = compileFilter(entity, query.filter)
  const records = state.sorted(entity)
  const size = query.maxRecords
  let page: SandboxRecord[] = []
  if (cursor.beforeId !== undefined && Number.isFinite(cursor.beforeId)) {
    for (
      let index = lowerBound(records, cursor.beforeId) - 1;
      index >= 0 && page.length < size;
      index--
    ) {
      if (predicate(records[index])) page.unshift(records[index])
    }
  } else {
    const start =
      cursor.afterId !== undefined && Number.isFinite(cursor.afterId)
        ? lowerBound(records, cursor.afterId + 1)
        : 0
    for (let index = start; index < records.length && page.length < size; index++) {
      if (predicate(records[index])) page.push(records[index])
    }
  }
  const firstId = page[0]?.id
  const lastId = page.at(-1)?.id
  const hasNext =
    lastId !== undefined && anyMatch(records, predicate, lowerBound(records, lastId + 1), 1)
  const hasPrev =
    firstId !== undefined && anyMatch(records, predicate, lowerBound(records, firstId) - 1, -1)
  const search = encodeURIComponent(
    JSON.stringify({ filter: query.filter, includeFields: query.includeFields })
  )
  const link = (direction: 'next' | 'previous', paging: object) =>
    `${state.zoneUrl}V1.0/${entity}/query/${direction}?paging=${encodeURIComponent(JSON.stringify(paging))}&search=${search}`
  return {
    items: page.map((record) => project(record, query.includeFields)),
    pageDetails: {
      count: page.length,
      requestCount: size,
      prevPageUrl: hasPrev ? link('previous', { pageSize: size, firstId }) : null,
      nextPageUrl: hasNext ? link('next', { pageSize: size, lastId }) : null,
    },
  }
}

/** Index of the first record whose id is ≥ id. */
function lowerBound(records: SandboxRecord[], id: number): number {
  let low = 0
  let high = records.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (records[middle].id < id) low = middle + 1
    else high = middle
  }
  return low
}

function anyMatch(
  records: SandboxRecord[],
  predicate: (record: SandboxRecord) => boolean,
  from: number,
  step: 1 | -1
) {
  for (let index = from; index >= 0 && index < records.length; index += step) {
    if (predicate(records[index])) return true
  }
  return false
}

/** PATCH /v1.0/{Entity}: only a few Invoice fields are writable, as in Autotask. */
function patch(state: AutotaskSandboxState, entity: SandboxEntity, body: unknown) {
  if (entity !== 'Invoices')
    throw new SandboxQueryError(`Update is not supported for the ${entity} entity in the sandbox.`)
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new SandboxQueryError('The body must be a JSON object.')
  const values = body as Record<string, unknown>
  const idKey = Object.keys(values).find((key) => key.toLowerCase() === 'id')
  const id = Number(idKey ? values[idKey] : Number.NaN)
  if (!Number.isInteger(id))
    throw new SandboxQueryError('The id field is required to update an entity.')
  const invoice = state.tables.Invoices.get(id)
  if (!invoice) throw new SandboxQueryError(`Invoice with id ${id} does not exist.`)
  const changes: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values)) {
    if (key === idKey) continue
    const field = fieldNamed('Invoices', key)
    if (!field) throw new SandboxQueryError(`Unable to find ${key} in the Invoices entity.`)
    if (!EDITABLE_INVOICE_FIELDS.includes(field))
      throw new SandboxQueryError(`The field ${field} is read-only.`)
    if (field !== 'comments' && value !== null && Number.isNaN(Date.parse(String(value)))) {
      throw new SandboxQueryError(`${field}: '${String(value)}' is not a valid date.`)
    }
    changes[field] =
      value === null || field === 'comments' ? value : new Date(String(value)).toISOString()
  }
  Object.assign(invoice, changes)
  return { itemId: id }
}

async function knobs(
  state: AutotaskSandboxState,
  method: string,
  path: string,
  url: URL,
  body: unknown,
  res: ServerResponse
): Promise<void> {
  const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const number = (name: string) => (input[name] === undefined ? undefined : Number(input[name]))
  const route = `${method} ${path.replace(/\/\d+/g, '/:id')}`
  const id = Number(path.match(/\/(\d+)/)?.[1])

  switch (route) {
    case 'GET /stats':
      return send(res, 200, state.stats())
    case 'GET /requests': {
      const limit = Number(url.searchParams.get('limit') ?? 200)
      return send(res, 200, { requests: state.requests.slice(-limit) })
    }
    case 'POST /reset':
      state.reset(input as AutotaskSandboxOptions)
      return send(res, 200, state.stats())
    case 'POST /stats/reset':
      state.resetStats()
      return send(res, 200, state.stats())
    case 'POST /billing-runs': {
      const invoices = number('invoices') ?? 10
      const run = state.addBillingRun({
        invoices,
        finished: input.finished !== false,
        companyIds: Array.isArray(input.companyIds) ? input.companyIds.map(Number) : undefined,
        lines: number('lines'),
      })
      return send(res, 201, run)
    }
    case 'POST /companies': {
      if (typeof input.companyName !== 'string' || !input.companyName)
        return fail(res, 400, 'companyName is required')
      return send(res, 201, {
        item: state.addCompany({
          companyName: input.companyName,
          taxRegionID: number('taxRegionID'),
          currencyID: number('currencyID'),
        }),
      })
    }
    case 'POST /companies/:id/currency': {
      // null (or no currencyID) clears it, as without the Multi-currency module.
      const currencyID = input.currencyID === null ? null : (number('currencyID') ?? null)
      const company = state.setCompanyCurrency(id, currencyID)
      return company
        ? send(res, 200, { item: company })
        : fail(res, 404, `Company ${id} was not found.`)
    }
    case 'POST /billing-runs/finish':
      return send(res, 200, { invoiceIds: state.finishBillingRuns() })
    case 'POST /faults': {
      const kind = String(input.kind ?? 'error') as FaultKind
      if (!['error', 'throttle', 'timeout'].includes(kind))
        return fail(res, 400, 'kind must be error, throttle or timeout')
      state.failNext(kind, number('count') ?? 1, {
        entity: typeof input.entity === 'string' ? input.entity : null,
        status: number('status'),
        after: number('after'),
      })
      return send(res, 200, { faults: state.faults })
    }
    case 'DELETE /faults':
      state.faults = []
      return send(res, 200, { faults: [] })
    case 'POST /latency':
      state.setLatency(number('ms') ?? 0, typeof input.entity === 'string' ? input.entity : null)
      return send(res, 200, { latency: Object.fromEntries(state.latency) })
    case 'POST /usage':
      state.setUsage({ count: number('count'), limit: number('limit') })
      return send(res, 200, state.thresholdInformation())
    case 'POST /clock':
      if (input.set) state.clock.set(new Date(String(input.set)))
      if (input.advanceMs) state.clock.advance(Number(input.advanceMs))
      if (input.speed) state.clock.setSpeed(Number(input.speed))
      return send(res, 200, { now: new Date(state.clock.now()).toISOString() })
    case 'DELETE /invoices/:id':
      return state.deleteInvoice(id)
        ? send(res, 200, { deleted: id })
        : fail(res, 404, `Invoice ${id} was not found.`)
    case 'POST /invoices/:id/void': {
      const invoice = state.voidInvoice(id)
      return invoice
        ? send(res, 200, { item: invoice })
        : fail(res, 404, `Invoice ${id} was not found.`)
    }
    case 'POST /purchase-orders/:id/status': {
      const order = state.setPurchaseOrderStatus(id, number('status') ?? 2)
      return order
        ? send(res, 200, { item: order })
        : fail(res, 404, `Purchase order ${id} was not found.`)
    }
    default:
      return fail(res, 404, `Unknown sandbox knob ${method} ${path}`)
  }
}
