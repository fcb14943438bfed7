import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import Product from '#models/product'
import SyncRun from '#models/sync_run'
import SyncLog from '#models/sync_log'
import SyncScheduler from '#sync/sync_scheduler'
import RunStates, { productLock } from '#sync/run_states'
import syncConfig from '#config/sync'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** A run row as a worker left it: `running`, its last heartbeat `minutesAgo` before the world's clock. */
async function runningRun(world: World, minutesAgo: number) {
  const at = world.clock.now().minus({ minutes: minutesAgo })
  return SyncRun.create({
    productId: world.product.id,
    trigger: 'schedule',
    triggeredBy: null,
    state: 'running',
    worker: 'gone-host:4242',
    startedAt: at,
    heartbeatAt: at,
    stats: null,
  })
}

test.group('Sync run states', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld()
    // Paused: the tick sweeps, but runs nothing of its own for this product.
    await Product.query().where('id', world.product.id).update({ status: 'paused' })
    return () => world.close()
  })

  test('the tick closes a run left running by a dead worker, with a log line, without waiting for the product to run', async ({
    assert,
  }) => {
    const stale = await runningRun(world, Math.ceil(syncConfig.runLockSeconds / 60) + 1)
    const fresh = await runningRun(world, 0)
    const scheduler = await app.container.make(SyncScheduler)
    await scheduler.tick()

    await stale.refresh()
    assert.equal(stale.state, 'failed')
    assert.equal(stale.error, 'The worker running it stopped')
    assert.isNotNull(stale.finishedAt)
    const line = await SyncLog.query()
      .where('sync_run_id', stale.id)
      .where('event', 'run.abandoned')
      .firstOrFail()
    assert.include(line.message, 'gone-host:4242')
    await fresh.refresh()
    assert.equal(fresh.state, 'running', 'a run with a recent heartbeat is left alone')
  })

  test('a run with an old heartbeat whose product lock is held (its worker lives) is not swept', async ({
    assert,
  }) => {
    const run = await runningRun(world, 60)
    const lock = productLock(world.product.id)
    assert.isTrue(await lock.acquireImmediately())
    try {
      const states = await app.container.make(RunStates)
      assert.equal(await states.sweepStale(), 0)
      await run.refresh()
      assert.equal(run.state, 'running')
    } finally {
      await lock.forceRelease()
    }
    const states = await app.container.make(RunStates)
    assert.equal(await states.sweepStale(), 1)
    await run.refresh()
    assert.equal(run.state, 'failed')
  })

  test('one guarded transition: the first move wins, a second from the same state changes nothing, an ended run never moves', async ({
    assert,
  }) => {
    const run = await runningRun(world, 0)
    const states = await app.container.make(RunStates)
    // Another process's copy of the same row, read before either moved it.
    const other = await SyncRun.findOrFail(run.id)
    assert.isTrue(await states.move(run, 'succeeded', { error: null }))
    assert.isFalse(await states.move(other, 'failed', { error: 'late' }))
    const stored = await SyncRun.findOrFail(run.id)
    assert.equal(stored.state, 'succeeded')
    assert.isNull(stored.error)
    await assert.rejects(() => states.move(stored, 'failed'), /cannot go from succeeded to failed/)
  })
})
