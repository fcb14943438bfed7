import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { aceProcess, exitWithin, syncRunProcess } from '#tests/helpers/sync_process'
import InvoiceRecord from '#models/invoice_record'
import { until } from '#tests/helpers/until'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The same statement renames a table on SQLite and MySQL. */
async function renameTable(from: string, to: string) {
  await db.rawQuery(`ALTER TABLE ${from} RENAME TO ${to}`)
}

test.group('node ace sync:run as a process', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld()
    return () => world.close()
  })

  test('the run line counts the credit notes among the synced; sync:resync names a credit note as one', async ({
    assert,
  }) => {
    const worker = syncRunProcess(world)
    const code = await exitWithin(worker.child, 60_000)
    assert.equal(code, 0, worker.output())
    const synced = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'synced')
    const credit = synced.filter((record) => record.xeroType === 'ACCRECCREDIT')
    assert.lengthOf(credit, 1, "the seed's negative invoice")
    assert.match(
      worker.output(),
      new RegExp(
        `Product #${world.product.id} Sandbox Books: run #\\d+ succeeded: \\d+ found, ${synced.length} synced \\(1 as a credit note\\), \\d+ faulted`
      )
    )

    const resync = aceProcess(world, ['sync:resync', credit[0].invoiceNumber!])
    assert.equal(await exitWithin(resync.child, 30_000), 0, resync.output())
    assert.include(
      resync.output(),
      `Credit note ${credit[0].invoiceNumber} (#${credit[0].autotaskId}) is Pending Sync again.`
    )
  }).timeout(120_000)

  test('an unexpected error before the run is recorded: a clear message, exit code 1, no hang', async ({
    assert,
  }) => {
    // As on a server where the latest migrations were not run: the run cannot even be written down.
    await renameTable('sync_runs', 'sync_runs_missing')
    let code: number | string
    let output: string
    try {
      const worker = syncRunProcess(world)
      code = await exitWithin(worker.child, 30_000)
      output = worker.output()
    } finally {
      await renameTable('sync_runs_missing', 'sync_runs')
    }
    assert.equal(code, 1, `exit code; output:\n${output}`)
    assert.match(
      output,
      new RegExp(
        `Product #${world.product.id} Sandbox Books: the sync stopped on an unexpected error: .*sync_runs`
      )
    )

    // The product's run lock was given back: the next run starts and syncs.
    const next = await world.run()
    assert.isTrue(next.started)
    assert.equal(next.run!.state, 'succeeded', next.run!.error ?? '')
  }).timeout(60_000)

  test('Xero out of reach: the run stops with the reason and no stack trace, exit code 1', async ({
    assert,
  }) => {
    // Port 9 (discard) has nothing listening on loopback: the connection is refused at once.
    const unreachable = 'http://127.0.0.1:9'
    const worker = syncRunProcess(world, {
      XERO_API_URL: `${unreachable}/api.xro/2.0/`,
      XERO_TOKEN_URL: `${unreachable}/connect/token`,
    })
    const code = await exitWithin(worker.child, 60_000)
    const output = worker.output()

    assert.equal(code, 1, `exit code; output:\n${output}`)
    assert.match(output, /Xero could not be reached: connect ECONNREFUSED/)
    // An outage is expected news, not a bug: no stack trace under the message.
    assert.notMatch(output, /^\s+at .+:\d+:\d+\)?$/m, output)
  }).timeout(90_000)

  test('SIGTERM in the middle of a run: the process stops within seconds and says why; a later run loses nothing', async ({
    assert,
  }) => {
    // Every Autotask answer takes 30 s: the worker is surely busy when the signal comes.
    world.autotask.state.setLatency(30_000)
    const worker = syncRunProcess(world, { SYNC_RUN_LOCK_SECONDS: '2' })
    await until(() => world.autotask.state.requests.length > 0 || worker.child.exitCode !== null, {
      timeoutMs: 30_000,
      everyMs: 50,
    })
    assert.isAbove(
      world.autotask.state.requests.length,
      0,
      `the run reached Autotask; output:\n${worker.output()}`
    )

    const signalledAt = Date.now()
    worker.child.kill('SIGTERM')
    const code = await exitWithin(worker.child, 10_000)
    assert.notEqual(
      code,
      'still running',
      `the worker ignored SIGTERM; output:\n${worker.output()}`
    )
    assert.isBelow(Date.now() - signalledAt, 10_000)
    assert.equal(code, 143, `exit code 128 + SIGTERM; output:\n${worker.output()}`)
    assert.include(worker.output(), 'SIGTERM')

    // Its run lock expires on its own; then a run syncs what the stopped worker never got to.
    world.autotask.state.setLatency(0)
    await sleep(2500)
    const next = await world.run()
    assert.equal(next.run!.state, 'succeeded', next.run!.error ?? '')
    const left = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .whereIn('status', ['pending', 'processing'])
      .whereNotNull('invoice_number')
    assert.lengthOf(left, 0)
  }).timeout(60_000)

  test('the scheduler worker stops within seconds on SIGTERM, even while a tick waits on Autotask', async ({
    assert,
  }) => {
    world.autotask.state.setLatency(30_000)
    const worker = aceProcess(world, ['scheduler:work'])
    await until(() => world.autotask.state.requests.length > 0 || worker.child.exitCode !== null, {
      timeoutMs: 30_000,
      everyMs: 50,
    })
    assert.isAbove(
      world.autotask.state.requests.length,
      0,
      `a tick reached Autotask; output:\n${worker.output()}`
    )

    worker.child.kill('SIGTERM')
    const code = await exitWithin(worker.child, 10_000)
    assert.equal(code, 143, `output:\n${worker.output()}`)
    assert.include(worker.output(), 'Received SIGTERM: stopping now.')
  }).timeout(60_000)
})
