import axios from 'axios'
import { test } from '@japa/runner'
import { AutotaskNotFoundError } from '#integrations/autotask/errors'
import type { Invoice } from '#integrations/autotask/types'
import { entityFields, UNMAPPED_TAX_REGION_ID, type SandboxRecord } from '#sandbox/autotask/index'
import { MASK } from '#sandbox/request_log'
import {
  allPages,
  knob,
  sandboxClient,
  sandboxHeaders,
  startTestSandbox,
} from '#tests/contract/helpers/autotask_sandbox'
import { modelFields, pagingFields } from '#tests/contract/helpers/autotask_models'
import { rejection } from '#tests/helpers/assertions'

/*
| The Autotask sandbox itself, not our client: its answers must be the ones the
| swagger (reference/autotask_swagger_paths.partial.json) and Autotask's help describe.
*/

test.group('Autotask sandbox: answers as Autotask gives them', () => {
  test('a page links back to the previous page through prevPageUrl', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ invoices: 1200, companies: 30 }, cleanup)
    const filter = [{ op: 'gte', field: 'id', value: 0 }]
    const first = await axios.post(
      `${sandbox.url}V1.0/Invoices/query`,
      { filter },
      { headers: sandboxHeaders }
    )
    const second = await axios.get(first.data.pageDetails.nextPageUrl, { headers: sandboxHeaders })

    const back = await axios.get(second.data.pageDetails.prevPageUrl, { headers: sandboxHeaders })

    assert.sameMembers(Object.keys(first.data.pageDetails), pagingFields)
    assert.isNull(first.data.pageDetails.prevPageUrl)
    assert.deepEqual(
      back.data.items.map((item: Invoice) => item.id),
      first.data.items.map((item: Invoice) => item.id)
    )
  })

  test('the sandbox sees and refuses a 4th concurrent request per integration code and entity', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    await knob(sandbox, 'POST', '/latency', { ms: 60, entity: 'Invoices' })
    const body = { filter: [{ op: 'gte', field: 'id', value: 0 }] }

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        axios.post(`${sandbox.url}V1.0/Invoices/query/count`, body, {
          headers: sandboxHeaders,
          validateStatus: () => true,
        })
      )
    )

    const refused = answers.filter((answer) => answer.status === 429)
    assert.isAbove(sandbox.state.stats().maxConcurrency.Invoices, 3)
    assert.isAtLeast(refused.length, 1)
    assert.match(refused[0].data.errors[0], /concurrent requests/)
  })

  test('the sandbox answers slower past half of the hourly budget', async ({ assert, cleanup }) => {
    const sandbox = await startTestSandbox(
      { hourlyLimit: 1000, slowdownLatencyMs: { over50: 250, over75: 500 } },
      cleanup
    )
    const body = { filter: [{ op: 'eq', field: 'id', value: 0 }] }
    const timed = async () => {
      const started = Date.now()
      await axios.post(`${sandbox.url}V1.0/Companies/query`, body, { headers: sandboxHeaders })
      return Date.now() - started
    }

    const fresh = await timed()
    await knob(sandbox, 'POST', '/usage', { count: 600 })
    const half = await timed()
    await knob(sandbox, 'POST', '/usage', { count: 800 })
    const most = await timed()

    assert.isBelow(fresh, 200)
    assert.isAtLeast(half, 245)
    assert.isAtLeast(most, 495)
  })

  test('the sandbox answers records with exactly the fields of the Autotask models', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ purchaseOrders: 5 }, cleanup)

    for (const entity of [
      'Invoices',
      'BillingItems',
      'PurchaseOrders',
      'PurchaseOrderItems',
    ] as const) {
      assert.sameMembers([...entityFields[entity]], modelFields[entity], entity)
      const record = sandbox.state.sorted(entity)[0]
      assert.sameMembers(Object.keys(record), modelFields[entity], entity)
    }
  })

  test('GET query/count takes the QueryModel JSON-encoded in search and counts like the POST', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ invoices: 40 }, cleanup)
    const queryModel = { filter: [{ op: 'gt', field: 'invoiceTotal', value: 100 }] }
    const search = encodeURIComponent(JSON.stringify(queryModel))

    const got = await axios.get(`${sandbox.url}V1.0/Invoices/query/count?search=${search}`, {
      headers: sandboxHeaders,
    })
    const posted = await axios.post(`${sandbox.url}V1.0/Invoices/query/count`, queryModel, {
      headers: sandboxHeaders,
    })
    const missing = await axios.get(`${sandbox.url}V1.0/Invoices/query/count`, {
      headers: sandboxHeaders,
      validateStatus: () => true,
    })

    const expected = sandbox.state
      .sorted('Invoices')
      .filter((invoice) => (invoice.invoiceTotal as number) > 100).length
    assert.equal(expected, 30, 'the seed holds 30 invoices over 100')
    assert.deepEqual(got.data, { queryCount: expected })
    assert.deepEqual(posted.data, { queryCount: expected })
    assert.equal(missing.status, 500)
    assert.deepEqual(missing.data, { errors: ["The 'search' parameter is required."] })
  })

  test('VersionInformation answers an ApiVersionResultModel to a caller with the API headers, 401 without', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const url = `${sandbox.lookupUrl}/atservicesrest/versioninformation`

    const answer = await axios.get(url, { headers: sandboxHeaders })
    const anonymous = await axios.get(url, { validateStatus: () => true })
    const wrongSecret = await axios.get(url, {
      headers: { ...sandboxHeaders, Secret: 'nope' },
      validateStatus: () => true,
    })

    assert.deepEqual(answer.data, { apiVersions: ['1.0'] })
    assert.equal(anonymous.status, 401)
    assert.equal(wrongSecret.status, 401)
  })

  test('the request log keeps each body: JSON parsed, other text as sent, secret fields masked', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const queryModel = { filter: [{ op: 'eq', field: 'id', value: 1 }] }
    const base = `${sandbox.url}V1.0`
    const options = {
      headers: { ...sandboxHeaders, 'content-type': 'application/json' },
      validateStatus: () => true,
    }

    await axios.post(`${base}/Invoices/query`, queryModel, options)
    const broken = await axios.post(`${base}/Companies/query`, '{"filter": [', options)
    await axios.patch(
      `${base}/Invoices`,
      { id: 1, comments: 'x', password: 'hunter2', apiSecret: 's3cret' },
      options
    )
    const { requests } = await knob<{ requests: { path: string; body: unknown }[] }>(
      sandbox,
      'GET',
      '/requests'
    )

    assert.equal(broken.status, 500)
    assert.deepEqual(
      requests.map((request) => [request.path.replace(/^.*V1\.0/i, ''), request.body]),
      [
        ['/Invoices/query', queryModel],
        ['/Companies/query', '{"filter": ['],
        ['/Invoices', { id: 1, comments: 'x', password: MASK, apiSecret: MASK }],
      ]
    )
    assert.notInclude(JSON.stringify(requests), sandboxHeaders.Secret)
  })
})

test.group('Autotask sandbox: seed data and knobs', () => {
  test('the same seed gives the same database; another seed gives another', async ({
    assert,
    cleanup,
  }) => {
    const now = '2025-06-30T12:00:00.000Z'
    const first = await startTestSandbox({ seed: 11, now }, cleanup)
    const second = await startTestSandbox({ seed: 11, now }, cleanup)
    const other = await startTestSandbox({ seed: 12, now }, cleanup)
    const dump = (sandbox: typeof first) =>
      JSON.stringify(
        ['Companies', 'Invoices', 'BillingItems'].map((entity) =>
          sandbox.state.sorted(entity as 'Invoices')
        )
      )

    assert.equal(dump(first), dump(second))
    assert.notEqual(dump(first), dump(other))
  })

  test('the seed holds the awkward data real databases hold', async ({ assert, cleanup }) => {
    const sandbox = await startTestSandbox(
      { invoices: 300, companies: 40, largeInvoiceLines: 500 },
      cleanup
    )
    const invoices = sandbox.state.sorted('Invoices')
    const items = sandbox.state.sorted('BillingItems')
    const companies = sandbox.state
      .sorted('Companies')
      .map((company) => String(company.companyName))
    const decimals = (value: unknown) => (String(value).split('.')[1] ?? '').length

    assert.isTrue(
      companies.some((name) => [...name].some((character) => character.charCodeAt(0) > 0x7f)),
      'non-ASCII company name'
    )
    assert.isTrue(
      companies.some((name) => name.length > 100),
      'long company name'
    )
    assert.isTrue(
      items.some((item) => decimals(item.rate) === 7),
      '7-decimal rate'
    )
    assert.isTrue(
      items.some(
        (item) =>
          Math.abs(
            (item.quantity as number) * (item.rate as number) - (item.extendedPrice as number)
          ) > 0.01
      ),
      'extended price that is not quantity × rate'
    )
    assert.isTrue(
      invoices.some((invoice) => invoice.invoiceTotal === 0),
      'zero-total invoice'
    )
    assert.isTrue(
      invoices.some((invoice) => (invoice.invoiceTotal as number) < 0),
      'negative-total invoice'
    )
    assert.isTrue(
      invoices.some((invoice) => invoice.isVoided === true && invoice.voidedDate !== null),
      'voided invoice'
    )
    assert.isTrue(
      invoices.some((invoice) => invoice.invoiceNumber === null),
      'unfinished billing run'
    )
    assert.isTrue(
      invoices.some((invoice) => invoice.taxGroup === UNMAPPED_TAX_REGION_ID),
      'unmapped tax region'
    )
    assert.isTrue(
      invoices.some((invoice) => sandbox.state.itemsOf(invoice.id).length === 500),
      '500-line invoice'
    )
    const withTax = items.find((item) => (item.taxDollars as number) > 0)!
    assert.isAbove(withTax.totalAmount as number, withTax.extendedPrice as number)
  })

  test('a billing run added over HTTP shows up after the cursor, unnumbered until finished', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox)
    const cursor = new Date(sandbox.state.clock.now())
    sandbox.state.clock.advance(1000)

    const run = await knob<{ invoiceIds: number[] }>(sandbox, 'POST', '/billing-runs', {
      invoices: 5,
      finished: false,
    })
    const fresh = (await allPages(client.invoicesSince(cursor))).flat()
    await knob(sandbox, 'POST', '/billing-runs/finish')
    const finished = await client.invoicesByIds(run.invoiceIds)

    assert.sameMembers(
      fresh.map((invoice) => invoice.id),
      run.invoiceIds
    )
    assert.isTrue(fresh.every((invoice) => invoice.invoiceNumber === null))
    assert.isTrue(
      [...finished.values()].every((invoice) => /^\d+$/.test(invoice.invoiceNumber ?? ''))
    )
    const lines = await client.billingItemsForInvoices(run.invoiceIds)
    assert.isTrue([...lines.values()].every((list) => list.length > 0))
  })

  test("currencies: the Currencies entity lists the internal one and the others; a company's currencyID is set over HTTP", async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ companies: 5 }, cleanup)
    const client = sandboxClient(sandbox)
    const currencies = await client.currencies()
    assert.deepEqual(
      currencies.map((currency) => [currency.id, currency.name, currency.isInternalCurrency]),
      [
        [1, 'NZD', true],
        [2, 'USD', false],
        [3, 'AUD', false],
        [4, 'GBP', false],
      ]
    )
    const company = await knob<{ item: { id: number; currencyID: number | null } }>(
      sandbox,
      'POST',
      '/companies',
      { companyName: 'Brooklyn Dental Group', currencyID: 2 }
    )
    assert.equal(company.item.currencyID, 2)
    const seeded = [...sandbox.state.tables.Companies.values()].find(
      (candidate) => candidate.id !== company.item.id && candidate.companyType === 1
    )!
    assert.isNull((await client.companiesByIds([seeded.id])).get(seeded.id)!.currencyID)
    await knob(sandbox, 'POST', `/companies/${seeded.id}/currency`, { currencyID: 99 })
    const read = await client.companiesByIds([company.item.id, seeded.id])
    assert.equal(read.get(company.item.id)!.currencyID, 2)
    assert.equal(read.get(seeded.id)!.currencyID, 99, 'an id Autotask does not list, as bad data')

    // A state saved before the sandbox knew currencies comes back with the seeded ones.
    const snapshot = JSON.parse(JSON.stringify(sandbox.state.snapshot()))
    delete snapshot.tables.Currencies
    sandbox.state.restore(snapshot)
    assert.lengthOf(
      (await client.currencies()).map((currency) => currency.name),
      4
    )
    assert.equal((await client.companiesByIds([seeded.id])).get(seeded.id)!.currencyID, 99)
  })

  test('voiding over HTTP makes an old invoice come back as changed; deleting makes it not found', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const client = sandboxClient(sandbox)
    const [toVoid, toDelete] = sandbox.state.sorted('Invoices').slice(10, 12) as SandboxRecord[]
    const cursor = new Date(sandbox.state.clock.now())
    sandbox.state.clock.advance(1000)

    await knob(sandbox, 'POST', `/invoices/${toVoid.id}/void`)
    await knob(sandbox, 'DELETE', `/invoices/${toDelete.id}`)
    const changed = (await allPages(client.invoicesSince(cursor))).flat()

    assert.deepEqual(
      changed.map((invoice) => [invoice.id, invoice.isVoided]),
      [[toVoid.id, true]]
    )
    assert.instanceOf(await rejection(client.getInvoice(toDelete.id)), AutotaskNotFoundError)
    assert.lengthOf((await client.billingItemsForInvoices([toDelete.id])).get(toDelete.id)!, 0)
  })

  test('reset over HTTP restores the seed and clears faults and counters', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const before = sandbox.state.sorted('Invoices').map((invoice) => invoice.id)
    await knob(sandbox, 'POST', '/billing-runs', { invoices: 3 })
    await knob(sandbox, 'POST', '/faults', { kind: 'error', count: 5 })
    await sandboxClient(sandbox)
      .taxRegions()
      .catch(() => null)

    const stats = await knob(sandbox, 'POST', '/reset')

    assert.deepEqual(
      sandbox.state.sorted('Invoices').map((invoice) => invoice.id),
      before
    )
    assert.lengthOf(sandbox.state.faults, 0)
    assert.equal(stats.requests.total, 0)
    assert.lengthOf(await sandboxClient(sandbox).taxRegions(), 4)
  })
})
