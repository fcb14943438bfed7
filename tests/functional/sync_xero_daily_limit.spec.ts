import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import {
  linkedUser,
  sendCommand,
  slackInstallation,
  startSlackForTest,
} from '#tests/helpers/slack_sandbox'
import { XeroBudget } from '#integrations/xero/xero_budget'
import { UserFactory } from '#database/factories/user_factory'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import SyncLog from '#models/sync_log'
import SyncScheduler from '#sync/sync_scheduler'

test.group("Xero's daily limit: the product waits, it does not fault", (group) => {
  group.each.setup(() => resetDatabase())

  test('near its daily calls a run ends waiting; the card, Sync Logs and /toolbox status say until when; nothing faults; the scheduler resumes after the window', async ({
    assert,
    client,
  }) => {
    // The organisation's day made small (4 calls), in the sandbox and in the shared budget alike:
    // the run's first calls (tax rates, the organisation) leave too few for its contacts and invoices.
    const perDay = 4
    const world = await startSyncWorld({
      autotask: { invoices: 30, companies: 6 },
      xero: { limits: { perMinute: 60, concurrent: 5, perDay, appPerMinute: 10_000 } },
      xeroBudget: new XeroBudget({
        perMinute: 60,
        concurrent: 5,
        perDay,
        appPerMinute: 10_000,
        slotMs: 30_000,
        clockSpeed: 1,
      }),
    })
    try {
      const started = world.clock.now()
      const run = (await world.run()).run!
      assert.equal(run.state, 'waiting', run.error ?? '')
      assert.isNull(run.error)

      const product = await Product.findOrFail(world.product.id)
      assert.equal(product.xeroWaitingFor, 'day')
      // The budget's day began with this run's first call: the window ends a day later.
      const until = product.xeroWaitingUntil!.toUTC()
      assert.isAtMost(Math.abs(until.diff(started.plus({ days: 1 })).as('minutes')), 2)
      const text = `Waiting for Xero's daily limit until ${until.toFormat('yyyy-LL-dd HH:mm')} UTC`

      // Xero never had to refuse: the budget stopped before asking.
      assert.deepEqual(world.xero.state.stats().limitRefusals, {})

      // Nothing faulted for it: what waits is pending, no attempt spent, no fault names a limit.
      const records = await InvoiceRecord.query().where('product_id', product.id)
      const waiting = records.filter((r) => r.status === 'pending' && r.invoiceNumber !== null)
      assert.isAbove(waiting.length, 0, 'invoices wait for the window')
      for (const record of waiting) assert.equal(record.attempts, 0)
      for (const record of records.filter((r) => r.status === 'fault'))
        assert.notMatch(record.faultReason ?? '', /limit|429|rate/i)

      const line = await SyncLog.query()
        .where('sync_run_id', run.id)
        .where('event', 'run.waiting')
        .firstOrFail()
      assert.include(line.message, text)
      const failures = await SyncLog.query().where('sync_run_id', run.id).where('level', 'error')
      assert.lengthOf(failures, 0, failures.map((f) => f.message).join('\n'))

      // The dashboard card says so.
      const owner = await UserFactory.merge({ accountId: product.accountId }).create()
      const page = await client.get('/').loginAs(owner)
      page.assertStatus(200)
      assert.include(page.text().replaceAll('&#x27;', "'"), text)

      // The scheduler leaves it until the window ends, then it is due again.
      const scheduler = await app.container.make(SyncScheduler)
      const due = async () => (await scheduler.dueProducts()).map((p) => p.id)
      assert.notInclude(await due(), product.id, 'not while it waits')

      // /toolbox status says so too.
      const slack = await startSlackForTest()
      try {
        const connection = await slackInstallation(product.accountId)
        const { slackUserId } = await linkedUser(connection, 'viewer')
        const answer = await sendCommand('http', client, slack, 'status', slackUserId)
        assert.include(answer.text, text)
        assert.include(answer.text, `Last run: #${run.id} waiting`)
      } finally {
        await slack.restore()
      }

      // (The scheduler was made with the world's clock.)
      world.clock.advance({ hours: 25 })
      assert.include(await due(), product.id, 'due once the window has ended')
    } finally {
      await world.close()
    }
  }).timeout(120_000)

  test("a day-stop outside the claim loop (the run's first reads of Xero) fails nothing either: the run ends waiting, with no error line", async ({
    assert,
  }) => {
    // One call a day: the tax rates or the organisation, read together before anything else, gets none.
    const world = await startSyncWorld({
      autotask: { invoices: 10, companies: 3 },
      xero: { limits: { perMinute: 60, concurrent: 5, perDay: 1, appPerMinute: 10_000 } },
      xeroBudget: new XeroBudget({
        perMinute: 60,
        concurrent: 5,
        perDay: 1,
        slotMs: 30_000,
        clockSpeed: 1,
      }),
    })
    try {
      const run = (await world.run()).run!
      assert.equal(run.state, 'waiting', run.error ?? '')
      const product = await Product.findOrFail(world.product.id)
      assert.equal(product.xeroWaitingFor, 'day')
      assert.isNotNull(product.xeroWaitingUntil)
      assert.isAbove(
        product.nextSyncAt!.toMillis(),
        world.clock.now().plus({ hours: 23 }).toMillis()
      )
      const errors = await SyncLog.query().where('sync_run_id', run.id).where('level', 'error')
      assert.lengthOf(errors, 0, errors.map((line) => line.message).join('\n'))
      const faulted = await InvoiceRecord.query()
        .where('product_id', product.id)
        .where('status', 'fault')
      assert.lengthOf(faulted, 0)
      assert.deepEqual(world.xero.state.stats().limitRefusals, {})
    } finally {
      await world.close()
    }
  }).timeout(60_000)
})
