import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { knob } from '#tests/helpers/xero_sandbox'
import { until } from '#tests/helpers/until'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import SandboxSetup from '#sandbox/setup'
import { ProductFactory } from '#database/factories/product_factory'
import Product from '#models/product'
import SyncRun from '#models/sync_run'
import SyncScheduler from '#sync/sync_scheduler'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { toSqlDateTime } from '#models/columns'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** A second Active product, its books the sandbox's AU organisation. */
async function productOnAu(world: World) {
  const tenant = XERO_SANDBOX_TENANTS.au
  const connection = world.xero.state.connect([tenant.tenantId])
  const product = await ProductFactory.with('account')
    .merge({ name: 'Fast Books', status: 'active', settings: { daysBack: 90 } })
    .create()
  return new SandboxSetup().connect(
    product,
    {
      accessToken: connection.accessToken,
      refreshToken: connection.refreshToken,
      expiresAt: connection.expiresAt.toISOString(),
    },
    tenant
  )
}

const lastRun = (productId: number) =>
  SyncRun.query().where('product_id', productId).orderBy('id', 'desc').first()

test.group('Scheduler: every due product at once', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    // Calls of a slow organisation take seconds: the gateway waits for them.
    world = await startSyncWorld({
      autotask: { invoices: 30, companies: 6 },
      xeroClient: { timeoutMs: 20_000 },
    })
    return async () => {
      await SyncScheduler.settled()
      await world.close()
    }
  })

  test('a slow organisation does not delay another: one tick starts both, the fast one ends while the slow one goes on', async ({
    assert,
  }) => {
    const fast = await productOnAu(world)
    // The NZ organisation answers each call in 1.5 s; the AU one at once.
    await knob(world.xero, '/latency', { ms: 1500, tenantId: XERO_SANDBOX_TENANTS.nz.tenantId })
    const scheduler = await app.container.make(SyncScheduler)
    const started = Date.now()
    await scheduler.tick()
    assert.isBelow(Date.now() - started, 1500, 'the tick does not wait for the runs it started')
    assert.equal(SyncScheduler.runningHere, 2)

    assert.isTrue(
      await until(async () => (await lastRun(fast.id))?.state === 'succeeded', {
        timeoutMs: 30_000,
        everyMs: 100,
      }),
      'the fast organisation finished'
    )
    const slowRun = await lastRun(world.product.id)
    assert.equal(slowRun?.state, 'running', 'the slow organisation is still going')

    // A second tick meanwhile starts nothing twice.
    await scheduler.tick()
    const slowRuns = await SyncRun.query().where('product_id', world.product.id)
    assert.lengthOf(slowRuns, 1, 'the slow product is not started a second time')

    await SyncScheduler.settled()
    assert.equal((await lastRun(world.product.id))?.state, 'succeeded')
    assert.isNotNull((await Product.findOrFail(world.product.id)).lastSyncedAt)
  }).timeout(120_000)

  test('with another worker alive a tick takes its share of what is due, and the rest once that worker is gone', async ({
    assert,
  }) => {
    const second = await productOnAu(world)
    // Both organisations answer slowly: the runs outlast the ticks below.
    await knob(world.xero, '/latency', { ms: 1500, tenantId: XERO_SANDBOX_TENANTS.nz.tenantId })
    await knob(world.xero, '/latency', { ms: 1500, tenantId: XERO_SANDBOX_TENANTS.au.tenantId })
    const other = { name: 'another-host:4242', seen_at: toSqlDateTime(DateTime.now()) }
    await db.table('sync_workers').insert(other)
    const scheduler = await app.container.make(SyncScheduler)

    await scheduler.tick()
    assert.equal(SyncScheduler.runningHere, 1, 'two due, two workers alive: one each')
    await scheduler.tick()
    assert.equal(SyncScheduler.runningHere, 1, 'the other one is left to the other worker')
    const workers = await db.from('sync_workers').orderBy('name')
    assert.lengthOf(workers, 2, 'this worker checked in beside the other')

    // The other worker has not checked in for a minute: gone; the next tick takes what it left.
    await db
      .from('sync_workers')
      .where('name', other.name)
      .update({ seen_at: toSqlDateTime(DateTime.now().minus({ minutes: 1 })) })
    await scheduler.tick()
    assert.equal(SyncScheduler.runningHere, 2)
    await SyncScheduler.settled()
    for (const product of [world.product.id, second.id])
      assert.equal((await lastRun(product))?.state, 'succeeded')
  }).timeout(120_000)
})
