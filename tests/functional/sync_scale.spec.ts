import { test } from '@japa/runner'
import { assertOneCreditNoteEach } from '#tests/helpers/assertions'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { aceProcess, exitWithin } from '#tests/helpers/sync_process'
import { until } from '#tests/helpers/until'
import { sandboxProduct } from '#bench/support'
import { startAutotaskSandbox, type AutotaskSandbox } from '#sandbox/autotask/index'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import InvoiceRecord from '#models/invoice_record'
import SyncRun from '#models/sync_run'

type World = Awaited<ReturnType<typeof startSyncWorld>>

interface ScaleProduct {
  id: number
  tenantId: string
  autotask: AutotaskSandbox
}

/**
 * The world's product plus `more` products, each its own Autotask database (a sandbox of its own,
 * seeded differently) and its own Xero organisation in the world's Xero sandbox.
 */
async function manyProducts(world: World, more: number, invoices: number) {
  const products: ScaleProduct[] = [
    { id: world.product.id, tenantId: XERO_SANDBOX_TENANTS.nz.tenantId, autotask: world.autotask },
  ]
  for (let n = 1; n <= more; n++) {
    const autotask = await startAutotaskSandbox({
      port: 0,
      seed: 777 + n,
      invoices,
      companies: 6,
      purchaseOrders: 0,
      largeInvoiceLines: 0,
      slowdownLatencyMs: { over50: 0, over75: 0 },
    })
    const tenant = world.xero.state.addOrganisation(`Scale Books ${n}`)
    const id = await sandboxProduct(world.xero, {
      name: `Scale ${n}`,
      tenant,
      autotaskZoneUrl: autotask.url,
    })
    products.push({ id, tenantId: tenant.tenantId, autotask })
  }
  return products
}

/** A worker as `npm run worker` runs (`node ace scheduler:work`: the real scheduler's tick), on the test database. */
function schedulerWorker(world: World, extraEnv: Record<string, string> = {}) {
  return aceProcess(world, ['scheduler:work'], extraEnv)
}

/** Numbered invoices still waiting (pending, or claimed by a worker) across every product. */
async function waiting() {
  const row = await db
    .from('invoice_records')
    .whereIn('status', ['pending', 'processing'])
    .whereNotNull('invoice_number')
    .count('* as n')
    .first()
  return Number(row?.n ?? 0)
}

/** Every product has had a run end and nothing numbered waits: the day's work is done. */
async function allDone(products: ScaleProduct[]) {
  const ended = await db
    .from('sync_runs')
    .whereNot('state', 'running')
    .countDistinct('product_id as n')
    .first()
  return Number(ended?.n ?? 0) >= products.length && (await waiting()) === 0
}

/**
 * For each product: every numbered invoice of its Autotask database has a record, none is left
 * pending or claimed, each synced one is in its Xero organisation exactly once, and its
 * organisation holds nothing else. Returns the synced count.
 */
async function assertOncePerRecord(
  assert: any,
  world: World,
  products: ScaleProduct[],
  wanted: { everyInvoiceSynced: boolean }
) {
  let synced = 0
  for (const product of products) {
    const records = await InvoiceRecord.query().where('product_id', product.id)
    const numbered = [...product.autotask.state.tables.Invoices.values()].filter(
      (invoice) => invoice.invoiceNumber
    )
    const byAutotaskId = new Map(records.map((record) => [record.autotaskId, record]))
    for (const invoice of numbered) {
      const record = byAutotaskId.get(Number(invoice.id))
      assert.exists(
        record,
        `product ${product.id}: Autotask invoice ${invoice.id} was discovered (${records.length} records, ${numbered.length} numbered,)`
      )
      assert.include(
        ['synced', 'fault', 'skipped'],
        record!.status,
        `product ${product.id}: invoice ${invoice.invoiceNumber} is not left ${record!.status}`
      )
      if (wanted.everyInvoiceSynced && record!.status === 'fault') {
        // The sandbox's set-up leaves "VAT UK" unmapped and maps "GST AU" to NZ GST on purpose (SandboxSetup):
        // those faults are the mapping's, said on the record; nothing else may fault.
        assert.match(
          record!.faultReason ?? '',
          /VAT UK|tax|total/i,
          `product ${product.id}: ${record!.faultReason}`
        )
      }
    }
    const inXero = world.xero.state
      .invoices(product.tenantId)
      .filter((invoice) => invoice.Type === 'ACCREC')
    const perNumber = new Map<string, number>()
    for (const invoice of inXero)
      perNumber.set(invoice.InvoiceNumber, (perNumber.get(invoice.InvoiceNumber) ?? 0) + 1)
    const duplicated = [...perNumber].filter(([, count]) => count > 1)
    assert.deepEqual(duplicated, [], `product ${product.id}: no invoice twice in Xero`)
    const syncedHere = records.filter((record) => record.status === 'synced')
    // A negative invoice goes to Xero as a credit note (the default): exactly one each, no invoice.
    const asInvoices = syncedHere.filter((record) => record.xeroType === null)
    const asCreditNotes = syncedHere.filter((record) => record.xeroType === 'ACCRECCREDIT')
    for (const record of asInvoices)
      assert.equal(perNumber.get(record.invoiceNumber!), 1, `${record.invoiceNumber} once in Xero`)
    assert.lengthOf(inXero, asInvoices.length, `product ${product.id}: nothing else in its Xero`)
    assertOneCreditNoteEach(
      world.xero.state.organisation(product.tenantId)!,
      asCreditNotes,
      asCreditNotes.length
    )
    synced += syncedHere.length
  }
  assert.equal(await waiting(), 0, 'nothing left pending or claimed')
  return synced
}

test.group('Scale out: many products, several workers', (group) => {
  let world: World
  let products: ScaleProduct[] = []
  group.each.setup(async () => {
    await resetDatabase()
    products = []
    return async () => {
      for (const product of products.slice(1)) await product.autotask.close()
      await world.close()
    }
  })

  test('two workers over eight products share them: no duplicate in Xero, nothing unclaimed, every invoice synced', async ({
    assert,
  }) => {
    world = await startSyncWorld({
      autotask: { invoices: 30, companies: 6, purchaseOrders: 0 },
      // Each Xero call takes a second: a product's run outlasts the scheduler's 10-second tick.
      xero: { latencyMs: 1000, limits: { perMinute: 1000, concurrent: 5, perDay: 5000 } },
      xeroClient: { timeoutMs: 20_000 },
    })
    products = await manyProducts(world, 7, 30)
    // At most two products at once each: one worker alone would need four ticks, so both take part.
    const workers = [0, 1].map(() => schedulerWorker(world, { SYNC_PRODUCTS_AT_ONCE: '2' }))
    try {
      assert.isTrue(
        await until(() => allDone(products), { timeoutMs: 120_000, everyMs: 500 }),
        workers.map((worker) => worker.output().slice(-1500)).join('\n')
      )
    } finally {
      for (const worker of workers) worker.child.kill('SIGTERM')
      await Promise.all(workers.map((worker) => exitWithin(worker.child, 20_000)))
    }

    const runs = await SyncRun.query().whereIn(
      'product_id',
      products.map((product) => product.id)
    )
    assert.lengthOf(new Set(runs.map((run) => run.worker)), 2, 'both workers ran products')
    assert.isTrue(
      runs.every((run) => run.state === 'succeeded'),
      runs.map((run) => `${run.productId}: ${run.state} ${run.error ?? ''}`).join('\n') +
        workers.map((worker) => worker.output().slice(-3000)).join('\n')
    )
    const synced = await assertOncePerRecord(assert, world, products, { everyInvoiceSynced: true })
    assert.isAbove(synced, 8 * 20, 'most of 8 × 30 invoices synced (the rest fault on the mapping)')
    assert.deepEqual(world.xero.state.stats().limitRefusals, {}, "no organisation's limit was hit")
  }).timeout(180_000)

  test('a worker holds at most SYNC_BATCHES_IN_FLIGHT batches over all its products, and every product still finishes', async ({
    assert,
  }) => {
    world = await startSyncWorld({
      autotask: { invoices: 70, companies: 6, purchaseOrders: 0 },
      xero: { latencyMs: 500, limits: { perMinute: 1000, concurrent: 5, perDay: 5000 } },
      xeroClient: { timeoutMs: 20_000 },
    })
    products = await manyProducts(world, 5, 70)
    const worker = schedulerWorker(world, {
      SYNC_PRODUCTS_AT_ONCE: '6',
      SYNC_BATCHES_IN_FLIGHT: '2',
    })
    try {
      assert.isTrue(
        await until(() => allDone(products), { timeoutMs: 120_000, everyMs: 500 }),
        worker.output().slice(-1500)
      )
    } finally {
      worker.child.kill('SIGTERM')
      await exitWithin(worker.child, 20_000)
    }
    await assertOncePerRecord(assert, world, products, { everyInvoiceSynced: true })
    // Invoice writes over every organisation, as the Xero sandbox received them: never more than two at once.
    const writes = world.xero.state.requestLog
      .filter((entry) => entry.method !== 'GET' && /\/Invoices$/.test(entry.path))
      .map((entry) => ({ from: entry.at, to: entry.at + entry.durationMs }))
    const overlap = Math.max(
      ...writes.map(({ from }) => writes.filter((w) => w.from <= from && from < w.to).length)
    )
    assert.isAtMost(overlap, 2, 'batches in flight at once, over all products')
    assert.equal(overlap, 2, 'the two slots were both used')
    assert.isAtLeast(
      new Set(world.xero.state.requestLog.map((entry) => entry.tenantId).filter(Boolean)).size,
      6,
      'every organisation was written to'
    )
  }).timeout(180_000)

  test('kill -9 of both workers mid-batch with several products in flight: after a restart, exactly one Xero invoice per Autotask invoice', async ({
    assert,
    cleanup,
  }) => {
    // Each Xero call takes a second, so a product's batches are in flight long enough to be killed in.
    world = await startSyncWorld({
      autotask: { invoices: 100, companies: 10, purchaseOrders: 0 },
      xero: { latencyMs: 1000, limits: { perMinute: 100_000, concurrent: 5, perDay: 100_000 } },
      xeroClient: { timeoutMs: 20_000 },
    })
    products = await manyProducts(world, 3, 100)
    // Short leases and run locks, so a killed worker's claims and products come back within seconds.
    const env = {
      SYNC_LEASE_SECONDS: '3',
      SYNC_RUN_LOCK_SECONDS: '3',
      XERO_TIMEOUT_MS: '5000',
      SYNC_PRODUCTS_AT_ONCE: '2',
    }
    const workers = [0, 1].map(() => schedulerWorker(world, env))
    // Whatever fails, no worker outlives the test (it would take the next test's products).
    cleanup(async () => {
      await Promise.all(workers.map((worker) => exitWithin(worker.child, 0)))
    })
    const inFlight = async () => {
      const rows = await db
        .from('invoice_records')
        .where('status', 'processing')
        .countDistinct('product_id as n')
        .first()
      return Number(rows?.n ?? 0)
    }
    assert.isTrue(
      await until(async () => (await inFlight()) >= 2, { timeoutMs: 90_000, everyMs: 50 }),
      'several products in flight at once: ' +
        workers.map((worker) => worker.output().slice(-1500)).join('\n')
    )
    for (const worker of workers) worker.child.kill('SIGKILL')
    await Promise.all(workers.map((worker) => exitWithin(worker.child, 10_000)))
    // A dead worker commits nothing more: the claims it held are what it was killed in.
    const productsInFlight = await inFlight()
    assert.isAtLeast(productsInFlight, 2, `several products in flight when killed`)
    assert.isAbove(await waiting(), 0, 'the kill left work behind')

    // Let the dead workers' leases and product locks expire; one worker finishes the day.
    await new Promise((resolve) => setTimeout(resolve, 3500))
    const lastRunBefore = Number((await db.from('sync_runs').max('id as id').first())?.id ?? 0)
    // Done means every product has run to its end since the restart (not just "nothing waiting", which
    // also holds for a product not yet discovered again), and nothing is running.
    const productsRunSince = async () => {
      const row = await db
        .from('sync_runs')
        .where('id', '>', lastRunBefore)
        .whereNotNull('finished_at')
        .countDistinct('product_id as n')
        .first()
      return Number(row?.n ?? 0)
    }
    const restarted = schedulerWorker(world, env)
    cleanup(async () => {
      await exitWithin(restarted.child, 0)
    })
    try {
      assert.isTrue(
        await until(
          async () =>
            (await productsRunSince()) === products.length &&
            (await waiting()) === 0 &&
            (await SyncRun.query().where('state', 'running')).length === 0,
          { timeoutMs: 150_000, everyMs: 500 }
        ),
        restarted.output().slice(-2000)
      )
    } finally {
      restarted.child.kill('SIGTERM')
      await exitWithin(restarted.child, 20_000)
    }
    const synced = await assertOncePerRecord(assert, world, products, { everyInvoiceSynced: false })
    assert.isAbove(synced, 4 * 70, `most of 4 × 100 invoices synced`)
  }).timeout(300_000)

  test('a company new to Xero, first seen by two workers at once (two products on one organisation), becomes one Xero contact', async ({
    assert,
  }) => {
    // Each call takes a second: both workers look the companies up before either creates them.
    world = await startSyncWorld({
      autotask: { invoices: 30, companies: 6, purchaseOrders: 0 },
      xero: { latencyMs: 1000, limits: { perMinute: 1000, concurrent: 10, perDay: 5000 } },
      xeroClient: { timeoutMs: 20_000 },
    })
    // A second product (its own Autotask account in real life) whose books are the same Xero organisation.
    const second = { id: await sandboxProduct(world.xero, { name: 'Same Books' }) }
    const tenant = XERO_SANDBOX_TENANTS.nz.tenantId
    const contactsBefore = world.xero.state.organisation(tenant)!.contacts.length

    const workers = [world.product.id, second.id].map((id) =>
      aceProcess(world, ['sync:run', `--product=${id}`])
    )
    const codes = await Promise.all(workers.map((worker) => exitWithin(worker.child, 120_000)))
    assert.deepEqual(
      codes,
      [0, 0],
      workers.map((worker) => worker.output().slice(-1500)).join('\n')
    )

    const contacts = world.xero.state.organisation(tenant)!.contacts
    const perNumber = new Map<string, number>()
    for (const contact of contacts.slice(contactsBefore))
      perNumber.set(
        contact.ContactNumber ?? '',
        (perNumber.get(contact.ContactNumber ?? '') ?? 0) + 1
      )
    assert.isAbove(perNumber.size, 0, 'the run created contacts')
    assert.deepEqual(
      [...perNumber].filter(([, count]) => count > 1),
      [],
      'no company became two Xero contacts'
    )
    const refused = await InvoiceRecord.query()
      .where('status', 'fault')
      .where('fault_reason', 'like', '%contact%')
    assert.deepEqual(
      refused.map((record) => record.faultReason),
      [],
      'no invoice faulted on its contact'
    )
    // Both products link each company to the same Xero contact.
    const links = await db
      .from('links')
      .where('kind', 'company_contact')
      .select('product_id', 'autotask_id', 'xero_id')
    const byCompany = new Map<string, Set<string>>()
    for (const link of links)
      byCompany.set(
        String(link.autotask_id),
        (byCompany.get(String(link.autotask_id)) ?? new Set()).add(link.xero_id)
      )
    for (const [company, ids] of byCompany)
      assert.equal(ids.size, 1, `company ${company}: one Xero contact`)
    assert.equal(links.length, 2 * byCompany.size, 'each product linked every company')
  }).timeout(150_000)
})
