import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { connectedProduct } from '#tests/helpers/xero_sandbox'
import { aceProcess, exitWithin } from '#tests/helpers/sync_process'
import SandboxSetup from '#sandbox/setup'
import Product from '#models/product'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** A second product on the same Autotask database (the same API user) and the same Xero organisation. */
async function secondProduct(world: World) {
  const second = await Product.findOrFail((await connectedProduct(world.xero)).id)
  second.merge({ name: 'Same Database', status: 'active', settings: { daysBack: 90 } })
  await new SandboxSetup().connect(second, second.xeroTokens!)
  return second
}

async function runBoth(world: World, second: Product, env: Record<string, string> = {}) {
  const workers = [world.product.id, second.id].map((id) =>
    aceProcess(world, ['sync:run', `--product=${id}`], env)
  )
  const codes = await Promise.all(workers.map((w) => exitWithin(w.child, 150_000)))
  return { codes, outputs: workers.map((w) => w.output()) }
}

test.group("Autotask's limits: the shared budget", (group) => {
  group.each.setup(() => resetDatabase())

  test('two worker processes on one Autotask database never have more requests in flight for one integration code and entity than Autotask allows, as the sandbox counts them', async ({
    assert,
  }) => {
    // One thread per integration code and entity (Autotask's is 3), and each request slowed, so
    // that two processes reading the same entities at once would overlap without the shared slots.
    const world = await startSyncWorld({ autotask: { invoices: 30, companies: 6, threadLimit: 1 } })
    try {
      world.autotask.state.latency.set('*', 500)
      const second = await secondProduct(world)
      const { codes, outputs } = await runBoth(world, second)
      assert.deepEqual(codes, [0, 0], outputs.map((o) => o.slice(-1500)).join('\n'))
      for (const output of outputs) assert.include(output, 'succeeded', output.slice(-1500))

      const stats = world.autotask.state.stats()
      assert.isAbove(stats.requests.total, 10, 'both processes read Autotask')
      assert.equal(
        stats.refusals.thread,
        0,
        'Autotask never refused a request for its thread limit'
      )
      for (const [entity, peak] of Object.entries(stats.maxConcurrency))
        assert.isAtMost(peak, 1, `${entity}: at most one request in flight`)
    } finally {
      await world.close()
    }
  }).timeout(180_000)

  test('two worker processes on one Autotask database share its hourly budget: together they never send more than it allows, and the one that finds it spent stops with a clear line', async ({
    assert,
  }) => {
    // Autotask's hour (10,000 a database) made small for this app's processes: 8 requests, where one
    // run alone needs about 6 and two need about 12. The sandbox itself would allow them all.
    const perHour = 8
    const world = await startSyncWorld({ autotask: { invoices: 30, companies: 6 } })
    try {
      const second = await secondProduct(world)
      const { outputs } = await runBoth(world, second, { AUTOTASK_LIMIT_PER_HOUR: String(perHour) })

      const stats = world.autotask.state.stats()
      assert.isAtMost(stats.requests.total, perHour, JSON.stringify(stats.requests))
      assert.equal(stats.refusals.hourly, 0)
      const stopped = outputs.filter((output) =>
        output.includes(
          "Autotask's hourly request limit for this database (8 requests in 60 minutes) is used up"
        )
      )
      assert.isAtLeast(stopped.length, 1, outputs.map((o) => o.slice(-1500)).join('\n'))
    } finally {
      await world.close()
    }
  }).timeout(180_000)
})
