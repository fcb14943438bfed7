import { inspect } from 'node:util'
import axios from 'axios'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { AutotaskClient, autotaskCredentialsOf } from '#integrations/autotask/autotask_client'
import { forgetZones, HttpAutotaskClient } from '#integrations/autotask/http_autotask_client'
import {
  AutotaskAuthError,
  type AutotaskError,
  AutotaskNotFoundError,
  AutotaskThrottledError,
  AutotaskTransientError,
  AutotaskValidationError,
} from '#integrations/autotask/errors'
import type { Company, Invoice, QueryFilter } from '#integrations/autotask/types'
import { AUTOTASK_SANDBOX_SECOND_USER, AUTOTASK_SANDBOX_USER } from '#sandbox/autotask/index'
import {
  allPages,
  knob,
  sandboxClient,
  sandboxHeaders,
  startTestSandbox,
} from '#tests/contract/helpers/autotask_sandbox'
import {
  filterOps,
  filterParts,
  markupFields,
  modelFields,
  queryModelFields,
  thresholdFields,
  zoneInformationFields,
} from '#tests/contract/helpers/autotask_models'
import { rejection } from '#tests/helpers/assertions'

const LONG_AGO = new Date('2000-01-01T00:00:00Z')

test.group('Autotask client: zone and connection', () => {
  test('looks up the zone of the API user and sends every call to the zone URL with the API headers', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox)

    const regions = await client.taxRegions()

    assert.equal(client.zone?.url, sandbox.url)
    assert.sameMembers(Object.keys(client.zone!), zoneInformationFields)
    assert.includeMembers(
      regions.map((region) => region.name),
      ['GST NZ', 'Exempt']
    )
    assert.equal(sandbox.state.stats().zoneLookups, 1)
    for (const request of sandbox.state.requests) {
      assert.match(request.path, /^\/atservicesrest\/v1\.0\//i)
      assert.includeMembers(request.headerNames, ['apiintegrationcode', 'username', 'secret'])
      assert.equal(request.username, AUTOTASK_SANDBOX_USER.username)
    }
  })

  test('caches the zone per user, so a second client for the same user does not look it up again', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    forgetZones()
    await sandboxClient(sandbox).taxRegions()
    const second = sandboxClient(sandbox)

    await second.taxRegions()
    await sandboxClient(sandbox, AUTOTASK_SANDBOX_SECOND_USER).taxRegions()

    assert.equal(second.zone?.url, sandbox.url)
    assert.equal(sandbox.state.stats().zoneLookups, 2)
  })

  test('skips the look-up when the product already stores its zone URL', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const credentials = autotaskCredentialsOf({
      autotaskUsername: AUTOTASK_SANDBOX_USER.username,
      autotaskSecret: AUTOTASK_SANDBOX_USER.secret,
      autotaskIntegrationCode: AUTOTASK_SANDBOX_USER.integrationCode,
      autotaskZoneUrl: sandbox.url,
    })!
    const client = sandboxClient(sandbox, credentials)

    assert.lengthOf(await client.taxes(), 4)
    assert.equal(sandbox.state.stats().zoneLookups, 0)
  })

  test('testConnection reports the zone when user, secret and integration code are right', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)

    const result = await sandboxClient(sandbox).testConnection()

    assert.isTrue(result.ok)
    assert.equal(result.ok && result.zone.url, sandbox.url)
    assert.equal(sandbox.state.stats().requests.byEntity.Companies, 1)
  })

  test('testConnection says in plain words which credential is wrong', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)

    const unknownUser = await sandboxClient(sandbox, {
      username: 'nobody@demo.example',
    }).testConnection()
    const badSecret = await sandboxClient(sandbox, { secret: 'not-the-secret' }).testConnection()
    const badCode = await sandboxClient(sandbox, { integrationCode: 'WRONGCODE' }).testConnection()

    assert.deepEqual(unknownUser.ok, false)
    assert.match(
      !unknownUser.ok ? unknownUser.reason : '',
      /does not know the API user "nobody@demo\.example"/
    )
    assert.match(!badSecret.ok ? badSecret.reason : '', /refused the secret/)
    assert.match(!badCode.ok ? badCode.reason : '', /integration code/)
    for (const result of [unknownUser, badSecret, badCode]) {
      assert.notInclude(JSON.stringify(result), 'not-the-secret')
    }
  })

  test('testConnection says Autotask cannot be reached when nothing listens there', async ({
    assert,
  }) => {
    const sandbox = await startTestSandbox()
    const client = sandboxClient(sandbox)
    await sandbox.close()

    const result = await client.testConnection()

    assert.isFalse(result.ok)
    assert.match(!result.ok ? result.reason : '', /Could not reach Autotask/)
  })

  test('the container resolves the Autotask contract to the HTTP client, which needs credentials before calling out', async ({
    assert,
  }) => {
    const client = await app.container.make(AutotaskClient)

    assert.instanceOf(client, HttpAutotaskClient)
    assert.instanceOf(client.connect(AUTOTASK_SANDBOX_USER), HttpAutotaskClient)
    const error = await rejection(client.taxRegions())
    assert.instanceOf(error, AutotaskAuthError)
    assert.equal((error as AutotaskAuthError).reason, 'missing_credentials')
    assert.equal(client.callCount, 0)
  })
})

test.group('Autotask client: queries and paging', () => {
  test('pages through 1,200 invoices 500 at a time by following nextPageUrl', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ invoices: 1200, companies: 30 }, cleanup)
    const client = sandboxClient(sandbox)

    const pages = await allPages(client.invoicesSince(LONG_AGO))

    assert.deepEqual(
      pages.map((page) => page.length),
      [500, 500, 200]
    )
    const ids = pages.flat().map((invoice) => invoice.id)
    assert.deepEqual(
      ids,
      sandbox.state.sorted('Invoices').map((invoice) => invoice.id)
    )
    assert.equal(await client.countInvoicesSince(LONG_AGO), 1200)
    const invoiceCalls = sandbox.state.requests.filter((request) => request.entity === 'Invoices')
    assert.deepEqual(
      invoiceCalls.map(
        (request) => `${request.method} ${request.path.replace(/^.*\/Invoices/i, '')}`
      ),
      ['POST /query', 'GET /query/next', 'GET /query/next', 'POST /query/count']
    )
  })

  test('filters with nested and/or groups, in, text and existence operators as Autotask does', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ companies: 30 }, cleanup)
    const client = sandboxClient(sandbox)
    const filter: QueryFilter[] = [
      {
        op: 'or',
        items: [
          { op: 'beginsWith', field: 'companyName', value: 'müller' },
          { op: 'contains', field: 'companyName', value: 'PLUMBING' },
          {
            op: 'and',
            items: [
              { op: 'in', field: 'taxRegionID', value: [2, 3] },
              { op: 'exist', field: 'city' },
            ],
          },
        ],
      },
      { op: 'noteq', field: 'id', value: 0 },
      { op: 'notIn', field: 'companyType', value: [7] },
    ]

    const found = (await allPages(client.query<Company>('Companies', filter))).flat()

    const expected = [...sandbox.state.tables.Companies.values()].filter((company) => {
      const name = String(company.companyName).toLowerCase()
      const matches =
        name.startsWith('müller') ||
        name.includes('plumbing') ||
        ([2, 3].includes(company.taxRegionID as number) && company.city !== null)
      return matches && company.id !== 0 && company.companyType !== 7
    })
    assert.lengthOf(expected, 5, 'the seed holds five such companies')
    assert.sameMembers(
      found.map((company) => company.id),
      expected.map((company) => company.id)
    )
  })

  test('asks Companies only for the fields the engine needs', async ({ assert, cleanup }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox)
    const ids = [...sandbox.state.tables.Companies.keys()].slice(0, 5)

    const companies = await client.companiesByIds(ids)

    assert.sameMembers([...companies.keys()], ids)
    const first = companies.get(ids[1])!
    assert.equal(first.companyName, sandbox.state.tables.Companies.get(ids[1])!.companyName)
    assert.notProperty(first, 'ownerResourceID')
  })

  test('reads purchase orders by status and their items with one in-filter', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ purchaseOrders: 25 }, cleanup)
    const client = sandboxClient(sandbox)

    const orders = (await allPages(client.purchaseOrders({ statuses: [2, 3] }))).flat()
    const items = await client.purchaseOrderItems(orders.map((order) => order.id))

    const expected = [...sandbox.state.tables.PurchaseOrders.values()].filter((order) =>
      [2, 3].includes(order.status as number)
    )
    assert.sameMembers(
      orders.map((order) => order.id),
      expected.map((order) => order.id)
    )
    for (const order of orders) {
      const stored = [...sandbox.state.tables.PurchaseOrderItems.values()].filter(
        (item) => item.orderID === order.id
      )
      assert.sameMembers(
        items.get(order.id)!.map((item) => item.id),
        stored.map((item) => item.id)
      )
      assert.isAbove(stored.length, 0)
    }
    assert.equal(sandbox.state.stats().requests.byEntity.PurchaseOrderItems, 1)
  })

  test('finds purchase orders changed since a cursor', async ({ assert, cleanup }) => {
    const sandbox = await startTestSandbox({ purchaseOrders: 10 }, cleanup)
    const client = sandboxClient(sandbox)
    const cursor = new Date(sandbox.state.clock.now())
    const order = [...sandbox.state.tables.PurchaseOrders.values()].find(
      (candidate) => candidate.status === 1
    )!
    sandbox.state.clock.advance(1000)
    await knob(sandbox, 'POST', `/purchase-orders/${order.id}/status`, { status: 2 })

    const changed = (await allPages(client.purchaseOrders({ changedSince: cursor }))).flat()

    assert.deepEqual(
      changed.map((candidate) => candidate.id),
      [order.id]
    )
    assert.equal(changed[0].status, 2)
  })

  test('stamps webServiceDate on an invoice with a PATCH that Autotask stores', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox)
    const invoiceId = sandbox.state.sorted('Invoices')[8].id
    const at = new Date('2025-03-04T05:06:07.000Z')

    await client.stampWebServiceDate(invoiceId, at)

    assert.equal(sandbox.state.tables.Invoices.get(invoiceId)!.webServiceDate, at.toISOString())
    assert.equal((await client.getInvoice(invoiceId)).webServiceDate, at.toISOString())
  })

  test('downloads the HTML copy of an invoice, script and all', async ({ assert, cleanup }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox)
    const invoice = sandbox.state.sorted('Invoices')[8]
    const company = sandbox.state.tables.Companies.get(invoice.companyID as number)!

    const html = await client.invoiceMarkup(invoice.id)

    const raw = await axios.get(`${sandbox.url}V1.0/Invoices/${invoice.id}/InvoiceMarkupHtml`, {
      headers: sandboxHeaders,
    })
    assert.sameMembers(Object.keys(raw.data), markupFields)
    assert.include(html, `Tax Invoice ${invoice.invoiceNumber}`)
    assert.include(
      html,
      String(company.companyName).replaceAll('&', '&amp;').replaceAll("'", '&#39;')
    )
    assert.include(html, '<script>')
  })

  test('reads the request threshold with real figures that reset after an hour', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ hourlyLimit: 10_000 }, cleanup)
    const client = sandboxClient(sandbox)
    await client.taxRegions()
    await client.taxes()

    const before = await client.thresholdInformation()
    await knob(sandbox, 'POST', '/clock', { advanceMs: 3_600_000 })
    const after = await client.thresholdInformation()

    assert.sameMembers(Object.keys(before), thresholdFields)
    assert.equal(before.externalRequestThreshold, 10_000)
    assert.equal(before.requestThresholdTimeframe, 60)
    assert.equal(before.currentTimeframeRequestCount, 2)
    assert.equal(after.currentTimeframeRequestCount, 0)
  })
})

test.group('Autotask client: errors mapped at the boundary', () => {
  test('an unknown API user is an authentication error naming the user, from the zone look-up', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)

    const error = await rejection(
      sandboxClient(sandbox, { username: 'ghost@demo.example' }).taxRegions()
    )

    assert.instanceOf(error, AutotaskAuthError)
    assert.equal((error as AutotaskAuthError).reason, 'unknown_user')
    assert.equal((error as AutotaskAuthError).status, 500)
    assert.deepEqual((error as AutotaskError).autotaskErrors, [
      'Zone information could not be determined',
    ])
    assert.include((error as Error).message, 'ghost@demo.example')
  })

  test('an unknown API user on a stored zone (HTTP 500) is still an authentication error', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)

    const error = await rejection(
      sandboxClient(sandbox, { username: 'ghost@demo.example', zoneUrl: sandbox.url }).taxRegions()
    )

    assert.instanceOf(error, AutotaskAuthError)
    assert.equal((error as AutotaskAuthError).reason, 'unknown_user')
    assert.equal((error as AutotaskError).status, 500)
  })

  test('a wrong secret (HTTP 401) is an authentication error that never carries the secret', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)

    const error = await rejection(
      sandboxClient(sandbox, { secret: 'wrong-secret-value' }).taxRegions()
    )

    assert.instanceOf(error, AutotaskAuthError)
    assert.equal((error as AutotaskAuthError).reason, 'bad_secret')
    assert.equal((error as AutotaskError).status, 401)
    assert.isFalse((error as AutotaskError).retryable)
    for (const text of [
      (error as Error).message,
      String((error as Error).stack),
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
    ]) {
      assert.notInclude(text, 'wrong-secret-value')
    }
  })

  test('a wrong integration code (HTTP 500) is an authentication error', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)

    const error = await rejection(
      sandboxClient(sandbox, { integrationCode: 'NOTACODE' }).taxRegions()
    )

    assert.instanceOf(error, AutotaskAuthError)
    assert.equal((error as AutotaskAuthError).reason, 'bad_integration_code')
    assert.equal((error as AutotaskError).status, 500)
  })

  test('a missing invoice, HTML copy or PATCH target is a not-found error', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox)

    assert.instanceOf(await rejection(client.getInvoice(12345)), AutotaskNotFoundError)
    assert.instanceOf(await rejection(client.invoiceMarkup(12345)), AutotaskNotFoundError)
    assert.instanceOf(await rejection(client.stampWebServiceDate(12345)), AutotaskNotFoundError)
  })

  test('a field Autotask does not know is a validation error, not retried', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)

    const error = await rejection(
      allPages(
        sandboxClient(sandbox).query('Invoices', [{ op: 'eq', field: 'noSuchField', value: 1 }])
      )
    )

    assert.instanceOf(error, AutotaskValidationError)
    assert.isFalse((error as AutotaskError).retryable)
    assert.match((error as Error).message, /noSuchField/)
  })

  test('an Autotask fault (HTTP 500) is a transient error that a retry gets past', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox)
    await knob(sandbox, 'POST', '/faults', { kind: 'error', count: 1, entity: 'Invoices' })

    const error = await rejection(client.countInvoicesSince(LONG_AGO))
    const retried = await client.countInvoicesSince(LONG_AGO)

    assert.instanceOf(error, AutotaskTransientError)
    assert.equal((error as AutotaskError).status, 500)
    assert.isTrue((error as AutotaskError).retryable)
    assert.equal(retried, 30)
  })

  test('a call Autotask never answers times out as a transient error', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox, {}, { timeoutMs: 300 })
    await knob(sandbox, 'POST', '/faults', { kind: 'timeout', count: 1, entity: 'Invoices' })
    const started = Date.now()

    const error = await rejection(client.countInvoicesSince(LONG_AGO))

    assert.instanceOf(error, AutotaskTransientError)
    assert.isTrue((error as AutotaskTransientError).timedOut)
    assert.isBelow(Date.now() - started, 3000)
    assert.notInclude(inspect(error, { depth: 10 }), AUTOTASK_SANDBOX_USER.secret)
  })

  test('a 429 is a throttled error', async ({ assert, cleanup }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    await knob(sandbox, 'POST', '/faults', { kind: 'throttle', count: 1, entity: 'Invoices' })

    const error = await rejection(sandboxClient(sandbox).countInvoicesSince(LONG_AGO))

    assert.instanceOf(error, AutotaskThrottledError)
    assert.equal((error as AutotaskError).status, 429)
  })

  test('a spent hourly budget is a throttled error until the hour has passed', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ hourlyLimit: 500 }, cleanup)
    const client = sandboxClient(sandbox)
    await knob(sandbox, 'POST', '/usage', { count: 500 })

    const error = await rejection(client.countInvoicesSince(LONG_AGO))
    await knob(sandbox, 'POST', '/clock', { advanceMs: 3_600_000 })
    const started = Date.now()
    const later = await client.countInvoicesSince(LONG_AGO)

    assert.instanceOf(error, AutotaskThrottledError)
    assert.match((error as Error).message, /request limit/)
    assert.isAtLeast(sandbox.state.stats().refusals.hourly, 1)
    assert.equal(later, 30)
    assert.equal(client.spacingMs, 0)
    assert.isBelow(Date.now() - started, 1000)
  })
})

test.group('Autotask client: limits', () => {
  test('never has more than 3 requests in flight on one entity while running 10 queries at once', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    await knob(sandbox, 'POST', '/latency', { ms: 60, entity: 'Invoices' })
    const client = sandboxClient(sandbox)

    const counts = await Promise.all(
      Array.from({ length: 10 }, () => client.countInvoicesSince(LONG_AGO))
    )

    const stats = sandbox.state.stats()
    assert.deepEqual(counts, Array(10).fill(30))
    assert.equal(stats.maxConcurrency.Invoices, 3)
    assert.equal(stats.refusals.thread, 0)
    assert.equal(stats.requests.byEntity.Invoices, 10)
  })

  test('spreads its calls once the hourly budget is more than half used', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ hourlyLimit: 100_000 }, cleanup)
    await knob(sandbox, 'POST', '/usage', { count: 60_000 })
    const client = sandboxClient(sandbox)

    for (let call = 0; call < 5; call++) await client.countInvoicesSince(LONG_AGO)

    const spacing = Math.ceil(3_600_000 / 40_000)
    assert.equal(client.spacingMs, spacing)
    const arrivals = sandbox.state.requests
      .filter((request) => request.entity === 'Invoices')
      .map((r) => r.receivedAt)
    assert.lengthOf(arrivals, 5)
    assert.isAtLeast(arrivals[4] - arrivals[0], 4 * spacing - 20)
  })

  test('does not slow down while less than half the budget is used', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ hourlyLimit: 100_000 }, cleanup)
    await knob(sandbox, 'POST', '/usage', { count: 40_000 })
    const client = sandboxClient(sandbox)

    for (let call = 0; call < 5; call++) await client.countInvoicesSince(LONG_AGO)

    assert.equal(client.spacingMs, 0)
  })

  test('reads ThresholdInformation once per 100 calls, not before every call', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox)

    for (let call = 0; call < 30; call++) await client.countInvoicesSince(LONG_AGO)

    assert.equal(sandbox.state.stats().requests.byEntity.ThresholdInformation, 1)
    assert.equal(client.callCount, 32)
  })
})

test.group('Autotask client: bulk download', () => {
  test('downloads 1,000 invoices with their billing items and companies in at most 10 calls', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox(
      { invoices: 1000, companies: 120, largeInvoiceLines: 500 },
      cleanup
    )
    const client = sandboxClient(sandbox)

    const invoices: Invoice[] = []
    for await (const page of client.invoicesSince(LONG_AGO)) invoices.push(...page)
    const items = await client.billingItemsForInvoices(invoices.map((invoice) => invoice.id))
    const companies = await client.companiesByIds(invoices.map((invoice) => invoice.companyID))

    console.log(
      `      Autotask calls for 1,000 invoices with items and companies: ${client.callCount} ` +
        `(${(client.callCount / invoices.length).toFixed(4)} a invoice) ` +
        JSON.stringify(sandbox.state.stats().requests.byEntity)
    )
    assert.lengthOf(invoices, 1000)
    assert.isAtMost(client.callCount, 10)
    assert.equal(
      client.callCount,
      sandbox.state.stats().requests.total + sandbox.state.stats().zoneLookups
    )
    for (const invoice of invoices) {
      const stored = sandbox.state.itemsOf(invoice.id).map((item) => item.id)
      assert.deepEqual(
        items.get(invoice.id)!.map((item) => item.id),
        stored
      )
      assert.isTrue(companies.has(invoice.companyID))
    }
    assert.lengthOf(items.get(sandbox.state.sorted('Invoices')[3].id)!, 500)
  }).timeout(60_000)
})

test.group('Autotask client: requests validate against the Autotask models', () => {
  test('every field the client filters on, includes or patches exists on the entity model', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ invoices: 120, purchaseOrders: 10 }, cleanup)
    const client = sandboxClient(sandbox)
    const invoices = (await allPages(client.invoicesSince(LONG_AGO, { pageSize: 50 }))).flat()
    await client.countInvoicesSince(LONG_AGO)
    await client.billingItemsForInvoices(invoices.map((invoice) => invoice.id))
    await client.companiesByIds(invoices.map((invoice) => invoice.companyID))
    await client.invoicesByIds(invoices.slice(0, 3).map((invoice) => invoice.id))
    const orders = (
      await allPages(client.purchaseOrders({ statuses: [2], changedSince: LONG_AGO }))
    ).flat()
    await client.purchaseOrderItems(orders.map((order) => order.id))
    await client.stampWebServiceDate(invoices[0].id)
    await client.testConnection()

    const checked = new Set<string>()
    for (const request of sandbox.state.requests) {
      const entity = request.entity ?? ''
      const model = modelFields[entity]
      let query = request.body as Record<string, unknown> | undefined
      if (request.method === 'GET' && /\/query\/next$/i.test(request.path)) {
        query = JSON.parse(new URLSearchParams(request.query).get('search')!)
      }
      if (/\/query(\/count|\/next)?$/i.test(request.path)) {
        const keys = Object.keys(query!).map((key) => key.toLowerCase())
        assert.includeMembers(
          queryModelFields.map((key) => key.toLowerCase()),
          keys
        )
        const { fields, ops } = filterParts(query!.filter)
        assert.includeMembers(filterOps, ops)
        if ((query!.MaxRecords as number) !== undefined)
          assert.isAtMost(query!.MaxRecords as number, 500)
        if (!model) continue
        checked.add(entity)
        assert.includeMembers(
          model,
          [...fields, ...((query!.includeFields as string[]) ?? [])],
          `${entity} query`
        )
      }
      if (request.method === 'PATCH') {
        checked.add(`PATCH ${entity}`)
        assert.includeMembers(model, Object.keys(request.body as object), `${entity} PATCH`)
      }
    }
    assert.includeMembers(
      [...checked],
      ['Invoices', 'BillingItems', 'PurchaseOrders', 'PurchaseOrderItems', 'PATCH Invoices']
    )
  })
})
