import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { knob } from '#tests/helpers/xero_sandbox'
import { assertLogged, assertOneCreditNoteEach, syncedByXeroType } from '#tests/helpers/assertions'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import SyncLog from '#models/sync_log'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const THROTTLED =
  'Autotask is refusing requests for now (its request limit is reached); it will be tried again later.'

/** Sets an Autotask sandbox knob over HTTP, as the demo and the benchmarks do. */
async function autotaskKnob(world: World, path: string, body: unknown) {
  const response = await fetch(`${world.autotask.knobsUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok)
    throw new Error(`knob ${path} failed: ${response.status} ${await response.text()}`)
}

async function records(world: World) {
  return InvoiceRecord.query().where('product_id', world.product.id).orderBy('id')
}

/** Every numbered invoice that can sync is in Xero exactly once, and nothing else is. */
async function assertEachOnceInXero(world: World, assert: any) {
  const all = await records(world)
  const synced = all.filter((record) => record.status === 'synced')
  assert.isAbove(synced.length, 10)
  assert.deepEqual(
    all
      .filter((record) => record.invoiceNumber && ['pending', 'processing'].includes(record.status))
      .map((r) => r.invoiceNumber),
    [],
    'nothing numbered is left waiting'
  )
  const inXero = world.xero.state
    .invoices(XERO_SANDBOX_TENANTS.nz.tenantId)
    .filter((invoice) => invoice.Type === 'ACCREC')
  const perNumber = new Map<string, number>()
  for (const invoice of inXero)
    perNumber.set(invoice.InvoiceNumber, (perNumber.get(invoice.InvoiceNumber) ?? 0) + 1)
  assert.deepEqual(
    [...perNumber.entries()].filter(([, count]) => count > 1),
    [],
    'no invoice twice in Xero'
  )
  const { invoices, creditNotes } = await syncedByXeroType(world.product.id)
  assert.lengthOf(synced, invoices.length + creditNotes.length)
  assert.sameMembers(
    [...perNumber.keys()],
    invoices.map((record) => record.invoiceNumber!)
  )
  // The seed's negative invoice: one credit note, never an invoice.
  assertOneCreditNoteEach(
    world.xero.state.organisation(XERO_SANDBOX_TENANTS.nz.tenantId)!,
    creditNotes,
    1
  )
}

test.group('Sync engine: Autotask throttles', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    // Pages of 10, so discovery reads the 30 seeded invoices in three pages; Xero time-outs are not under test.
    world = await startSyncWorld({
      autotaskClient: { pageSize: 10 },
      xeroClient: { timeoutMs: 15_000 },
    })
    return () => world.close()
  })

  test('a 429 in the middle of discovery fails the run with a clear line and keeps the cursor; the next run finds the rest, each invoice once', async ({
    assert,
  }) => {
    // The first page's companies come back; the second page's are refused.
    await autotaskKnob(world, '/faults', {
      kind: 'throttle',
      count: 1,
      entity: 'Companies',
      after: 1,
    })
    const first = (await world.run()).run!
    assert.equal(first.state, 'failed')
    assert.equal(first.error, `${THROTTLED} Autotask said: "Too many requests. Please slow down."`)
    await assertLogged(world.product.id, 'run.failed', [
      `Sync run #${first.id} stopped: ${first.error}`,
    ])
    const refused = world.autotask.state.requests.filter((request) => request.status === 429)
    assert.deepEqual(
      refused.map((request) => request.entity),
      ['Companies']
    )

    const stored = await records(world)
    assert.lengthOf(stored, 10, 'the first page is stored')
    assert.isTrue(stored.every((record) => ['pending', 'skipped'].includes(record.status)))
    assert.isNull(
      (await Product.findOrFail(world.product.id)).invoiceCursor,
      'the cursor did not move past unread pages'
    )
    assert.lengthOf(
      world.xero.state.invoices(XERO_SANDBOX_TENANTS.nz.tenantId),
      0,
      'no push after a failed discovery'
    )

    const second = (await world.run()).run!
    assert.equal(second.state, 'succeeded', second.error ?? '')
    assert.equal(second.stats!.invoicesDiscovered, 20, 'the other two pages, nothing twice')
    assert.lengthOf(await records(world), 30)
    assert.isNotNull((await Product.findOrFail(world.product.id)).invoiceCursor)
    await assertEachOnceInXero(world, assert)
  }).timeout(60_000)

  test("Autotask's hourly request limit spent: the run stops at once and says so; after the hour everything syncs once", async ({
    assert,
  }) => {
    await autotaskKnob(world, '/usage', { count: 10_000, limit: 10_000 })
    const first = (await world.run()).run!
    assert.equal(first.state, 'failed')
    assert.include(first.error!, THROTTLED)
    assert.include(
      first.error!,
      'The request limit of 10000 requests per 60 minutes for this database has been reached.'
    )
    await assertLogged(world.product.id, 'run.failed', [
      `Sync run #${first.id} stopped: ${first.error}`,
    ])
    assert.lengthOf(await records(world), 0)
    assert.isNull((await Product.findOrFail(world.product.id)).invoiceCursor)

    await autotaskKnob(world, '/clock', { advanceMs: 3_600_000 })
    const second = (await world.run()).run!
    assert.equal(second.state, 'succeeded', second.error ?? '')
    assert.lengthOf(await records(world), 30)
    await assertEachOnceInXero(world, assert)
  }).timeout(60_000)

  test('a 429 while the push checks invoices that waited: the batch waits with back-off and a clear line, then syncs once', async ({
    assert,
  }) => {
    world.autotask.state.finishBillingRuns()
    // A Xero 500 makes the whole batch wait for a later run.
    await knob(world.xero, '/faults', { kind: 500, count: 1, path: '/Invoices', method: 'PUT' })
    await world.run()
    const waiting = (await records(world)).filter((record) => record.status === 'pending')
    assert.lengthOf(waiting, 23, 'the whole batch of numbered invoices waits')
    assert.isTrue(waiting.every((record) => record.attempts === 1))

    // Next run: discovery's one Invoices query goes through; the push's check of the waiting batch is refused.
    world.clock.advance({ minutes: 10 })
    await autotaskKnob(world, '/faults', {
      kind: 'throttle',
      count: 1,
      entity: 'Invoices',
      after: 1,
    })
    const second = (await world.run()).run!
    assert.equal(second.state, 'succeeded', second.error ?? '')
    const refused = world.autotask.state.requests.filter((request) => request.status === 429)
    assert.lengthOf(refused, 1)
    assert.equal(
      (refused[0].body as any).filter[0].op,
      'in',
      'the refused call is the check of invoices by id'
    )
    const after = await InvoiceRecord.query().whereIn(
      'id',
      waiting.map((record) => record.id)
    )
    assert.isTrue(
      after.every(
        (record) =>
          record.status === 'pending' && record.attempts === 2 && record.nextAttemptAt !== null
      )
    )
    const retry = await SyncLog.query()
      .where('sync_run_id', second.id)
      .where('event', 'invoice.retry')
      .where('invoice_record_id', waiting[0].id)
      .firstOrFail()
    assert.equal(retry.level, 'warn')
    assert.match(
      retry.message,
      new RegExp(
        `^Invoice ${waiting[0].invoiceNumber}: ${THROTTLED.replace(/[().]/g, '\\$&')} Autotask said: "Too many requests. Please slow down."; retrying at \\d\\d:\\d\\d:\\d\\d UTC \\(attempt 2 of 8\\)$`
      )
    )
    assert.lengthOf(
      world.xero.state
        .invoices(XERO_SANDBOX_TENANTS.nz.tenantId)
        .filter((i) => i.Type === 'ACCREC'),
      0
    )

    world.clock.advance({ minutes: 10 })
    const third = (await world.run()).run!
    assert.equal(third.state, 'succeeded', third.error ?? '')
    await assertEachOnceInXero(world, assert)
  }).timeout(60_000)
})
