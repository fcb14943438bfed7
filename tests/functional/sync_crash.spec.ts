import { test } from '@japa/runner'
import type { ChildProcess } from 'node:child_process'
import { resetDatabase } from '#tests/helpers/database'
import { assertOneCreditNoteEach } from '#tests/helpers/assertions'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { syncRunProcess } from '#tests/helpers/sync_process'
import InvoiceRecord from '#models/invoice_record'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { until } from '#tests/helpers/until'
import { seededRandom } from '#tests/helpers/seeded_random'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** A worker with short leases and run locks, so a killed worker's claims come back within seconds. */
function worker(world: World): ChildProcess {
  // A Xero call's time-out also bounds how long a killed worker's budget slots stay taken (time-out + 5 s).
  return syncRunProcess(world, {
    SYNC_LEASE_SECONDS: '3',
    SYNC_RUN_LOCK_SECONDS: '3',
    XERO_TIMEOUT_MS: '5000',
  }).child
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)
  )
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function processingCount(world: World) {
  const rows = await InvoiceRecord.query()
    .where('product_id', world.product.id)
    .where('status', 'processing')
  return rows.length
}

test.group('Sync engine: killed and concurrent workers', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({
      autotask: { invoices: 500, companies: 40 },
      // Each Xero call takes a second, so a batch stays claimed long enough to be killed in: with a
      // quarter second, four lanes pushed all ten batches so fast that on some seeds no kill landed in one.
      xero: { latencyMs: 1000, limits: { perMinute: 100_000, concurrent: 10, perDay: 100_000 } },
    })
    return () => world.close()
  })

  test('SIGKILL at random points, 20 times, with two workers at once every other time: each invoice once in Xero, none lost', async ({
    assert,
  }) => {
    // Prints CRASH_SEED; run again with that CRASH_SEED to kill at the same instants.
    const random = seededRandom('CRASH_SEED')
    let killedMidPush = 0
    for (let round = 0; round < 20; round++) {
      const workers = round % 2 === 0 ? [worker(world)] : [worker(world), worker(world)]
      if (round % 4 < 2) {
        // Half the rounds kill at a random instant of the worker's life: booting, discovering or pushing.
        await sleep(1000 + random.next() * 5000)
      } else {
        // The other half wait until a batch is claimed, then kill somewhere inside the push.
        await until(
          async () =>
            (await processingCount(world)) > 0 || workers.every((child) => child.exitCode !== null),
          {
            timeoutMs: 30_000,
            everyMs: 100,
          }
        )
        await sleep(random.next() * 400)
      }
      if ((await processingCount(world)) > 0) killedMidPush++
      for (const child of workers) child.kill('SIGKILL')
      await Promise.all(workers.map(exited))
    }
    // Let the dead workers' leases and run locks expire, then finish cleanly.
    await sleep(3500)
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal(await exited(worker(world)), 0)
      const left = await InvoiceRecord.query()
        .where('product_id', world.product.id)
        .whereIn('status', ['pending', 'processing'])
        .whereNotNull('invoice_number')
      if (left.length === 0) break
      await sleep(3500)
    }

    const records = await InvoiceRecord.query().where('product_id', world.product.id)
    assert.equal(records.filter((r) => r.status === 'processing').length, 0, 'no claim left behind')
    assert.isTrue(
      records.filter((r) => r.status === 'pending').every((r) => r.invoiceNumber === null),
      'nothing numbered left waiting'
    )
    const synced = records.filter((r) => r.status === 'synced' && r.xeroType === null)
    assert.isAbove(synced.length, 400)
    // Negative invoices are credit notes in Xero: each exactly once too, whatever the kills.
    const credited = records.filter((r) => r.status === 'synced' && r.xeroType !== null)
    assert.isAbove(credited.length, 0)
    assertOneCreditNoteEach(
      world.xero.state.organisation(XERO_SANDBOX_TENANTS.nz.tenantId)!,
      credited,
      credited.length
    )

    const inXero = world.xero.state
      .invoices(XERO_SANDBOX_TENANTS.nz.tenantId)
      .filter((i: any) => i.Type === 'ACCREC')
    const perNumber = new Map<string, number>()
    for (const invoice of inXero)
      perNumber.set(invoice.InvoiceNumber, (perNumber.get(invoice.InvoiceNumber) ?? 0) + 1)
    const duplicated = [...perNumber.entries()].filter(([, count]) => count > 1)
    assert.deepEqual(duplicated, [], 'no invoice twice in Xero')
    assert.lengthOf(inXero, synced.length, 'one Xero invoice per synced invoice, none missing')
    for (const record of synced) assert.equal(perNumber.get(record.invoiceNumber!), 1)
    assert.isAbove(
      killedMidPush,
      0,
      `at least one kill landed in the middle of a push (CRASH_SEED=${random.seed})`
    )
  }).timeout(240_000)
})
