import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { assertOneCreditNoteEach, syncedByXeroType } from '#tests/helpers/assertions'
import { connectedProduct } from '#tests/helpers/xero_sandbox'
import { aceProcess, exitWithin } from '#tests/helpers/sync_process'
import { XeroBudget } from '#integrations/xero/xero_budget'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import SandboxSetup from '#sandbox/setup'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import syncConfig from '#config/sync'

const tenant = XERO_SANDBOX_TENANTS.nz.tenantId

test.group("Xero's limits: the shared budget", (group) => {
  group.each.setup(() => resetDatabase())

  test('two worker processes on one organisation stay within its limits, as the sandbox counts them: no 429, never more at once than allowed', async ({
    assert,
  }) => {
    // The organisation's limits made small, and its clock 6 times as fast (a minute lasts 10 s), so that
    // two runs of 30 invoices each need the budget to wait: over 12 calls a minute, at most 2 at once.
    const limits = { perMinute: 12, concurrent: 2, perDay: 5000 }
    const world = await startSyncWorld({
      autotask: { invoices: 30, companies: 6 },
      xero: { clockSpeed: 6, latencyMs: 150, limits },
    })
    try {
      // A second product (its own Autotask account in real life) whose books are the same Xero organisation.
      const second = await Product.findOrFail((await connectedProduct(world.xero)).id)
      second.merge({ name: 'Same Books', status: 'active', settings: { daysBack: 90 } })
      await new SandboxSetup().connect(second, second.xeroTokens!)

      // Xero stamps a call when it arrives, the budget when it left. With two workers, MySQL and this
      // process (the sandbox) on two cores, a call's arrival has lagged its leaving by 300 ms (the sandbox
      // refused one whose oldest entry it had held 9,954 of the minute's 10,000 ms), past the default
      // 250 ms margin: a margin for this machine, not for the network.
      const env = { XERO_LIMITS_CLOCK_SPEED: '6', XERO_ARRIVAL_MARGIN_MS: '1000' }
      const workers = [world.product.id, second.id].map((id) =>
        aceProcess(world, ['sync:run', `--product=${id}`], env)
      )
      const codes = await Promise.all(workers.map((w) => exitWithin(w.child, 170_000)))
      assert.deepEqual(codes, [0, 0], workers.map((w) => w.output().slice(-1500)).join('\n'))

      const stats = world.xero.state.stats()
      const calls = Object.values(stats.calls as Record<string, number>).reduce((a, b) => a + b, 0)
      assert.isAbove(
        calls,
        limits.perMinute,
        'more calls than one minute allows: the budget had to wait'
      )
      assert.deepEqual(stats.limitRefusals, {}, 'Xero never had to refuse a call for a limit')
      assert.isAtMost(stats.maxConcurrency[tenant] ?? 0, limits.concurrent)
      for (const id of [world.product.id, second.id]) {
        const waiting = await InvoiceRecord.query()
          .where('product_id', id)
          .whereIn('status', ['pending', 'processing'])
          .whereNotNull('invoice_number')
        assert.lengthOf(waiting, 0, `product ${id} has nothing left to push`)
      }
    } finally {
      await world.close()
    }
  }).timeout(180_000)

  test('two worker processes on two organisations stay within the app-wide minute together, as the sandbox counts it: no 429', async ({
    assert,
  }) => {
    // Xero's app minute (10,000 across all organisations) made small, and the clock 6 times as fast
    // (a minute lasts 10 s): two organisations' runs need more calls than one app minute allows.
    const limits = { perMinute: 60, concurrent: 5, perDay: 5000, appPerMinute: 8 }
    const world = await startSyncWorld({
      autotask: { invoices: 30, companies: 6 },
      xero: { clockSpeed: 6, latencyMs: 50, limits },
    })
    try {
      const au = XERO_SANDBOX_TENANTS.au.tenantId
      const connection = world.xero.state.connect([au])
      const second = await Product.findOrFail((await connectedProduct(world.xero, au)).id)
      second.merge({
        name: 'Other Books',
        status: 'active',
        settings: { daysBack: 90 },
        xeroTokens: {
          accessToken: connection.accessToken,
          refreshToken: connection.refreshToken,
          expiresAt: connection.expiresAt.toISOString(),
        },
      })
      await new SandboxSetup().connect(second, second.xeroTokens!, XERO_SANDBOX_TENANTS.au)

      // The same margin for this machine (see the test above).
      const env = { XERO_LIMITS_CLOCK_SPEED: '6', XERO_ARRIVAL_MARGIN_MS: '1000' }
      const workers = [world.product.id, second.id].map((id) =>
        aceProcess(world, ['sync:run', `--product=${id}`], env)
      )
      const codes = await Promise.all(workers.map((w) => exitWithin(w.child, 170_000)))
      assert.deepEqual(codes, [0, 0], workers.map((w) => w.output().slice(-1500)).join('\n'))
      for (const w of workers) assert.include(w.output(), 'succeeded', w.output().slice(-1500))

      const stats = world.xero.state.stats()
      // The calls the sandbox admitted per organisation (its day's log).
      const callsOf = (id: string) => world.xero.state.dayWindow.get(id)?.length ?? 0
      assert.isAbove(callsOf(tenant), 0, 'the first organisation was called')
      assert.isAbove(callsOf(au), 0, 'the second organisation was called')
      assert.isAbove(
        callsOf(tenant) + callsOf(au),
        limits.appPerMinute,
        'more calls than one app minute allows: the budget had to wait'
      )
      assert.deepEqual(stats.limitRefusals, {}, 'Xero never refused a call for a limit')
    } finally {
      await world.close()
    }
  }).timeout(180_000)

  test('within a product, several batches are in flight at once, never more than the setting', async ({
    assert,
  }) => {
    const world = await startSyncWorld({
      autotask: { invoices: 400, companies: 20 },
      xero: { latencyMs: 300, limits: { perMinute: 100_000, concurrent: 5, perDay: 100_000 } },
      // Four 50-invoice writes at once keep this one process (engine and sandbox) busy: no time-outs here.
      xeroClient: { timeoutMs: 20_000 },
      xeroBudget: new XeroBudget({
        perMinute: 100_000,
        concurrent: 5,
        perDay: 100_000,
        appPerMinute: 100_000,
        slotMs: 10_000,
        clockSpeed: 1,
      }),
    })
    try {
      const outcome = await world.run()
      assert.equal(outcome.run!.state, 'succeeded', outcome.run!.error ?? '')
      const stats = world.xero.state.stats()
      const peak = stats.maxConcurrency[tenant] ?? 0
      assert.isAtLeast(peak, 3, 'batches went in parallel')
      assert.isAtMost(peak, syncConfig.xeroInFlight)
      assert.equal(stats.limitRefusalsTotal, 0)
      const invoices = world.xero.state
        .invoices(tenant)
        .filter((invoice: any) => invoice.Type === 'ACCREC')
      const { invoices: synced, creditNotes } = await syncedByXeroType(world.product.id)
      assert.lengthOf(invoices, synced.length, 'one Xero invoice per synced invoice')
      assertOneCreditNoteEach(
        world.xero.state.organisation(tenant)!,
        creditNotes,
        creditNotes.length
      )
      assert.isAbove(synced.length, syncConfig.batchSize * syncConfig.xeroInFlight)
    } finally {
      await world.close()
    }
  }).timeout(120_000)
})
