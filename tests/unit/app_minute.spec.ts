import { test } from '@japa/runner'
import { setTimeout as sleep } from 'node:timers/promises'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { OptimisticRows } from '#integrations/optimistic_rows'
import { RollingCount, type Buckets } from '#integrations/rolling_count'
import { AppMinute, APP_ROW } from '#integrations/xero/app_minute'

/** One process's view of the app-wide minute: its own rows (its own group commits) and reservation. */
const processOf = (limit: number, count: RollingCount) =>
  new AppMinute(
    new OptimisticRows('xero_budgets', 'tenant_id', () => ({
      minute_log: '[]',
      in_flight: '[]',
      day_started_at: 0,
      day_count: 0,
    })),
    limit,
    count
  )

const appRow = () => db.from('xero_budgets').where('tenant_id', APP_ROW).firstOrFail()
const counted = async (count: RollingCount) =>
  count.total(count.live(JSON.parse((await appRow()).minute_log) as Buckets, Date.now()))

/** Makes `calls` calls at once, as a worker's lanes do; resolves with when each was let go. */
const burst = (minute: AppMinute, calls: number) =>
  Promise.all(Array.from({ length: calls }, () => minute.take().then(() => Date.now())))

test.group("Xero's app-wide minute (AppMinute)", (group) => {
  group.each.setup(resetDatabase)

  test('two processes making 400 calls at once: every call counted, in a few writes, not one each', async ({
    assert,
  }) => {
    const minute = new RollingCount(60_000, 1000, 250)
    const [a, b] = [processOf(10_000, minute), processOf(10_000, minute)]
    await Promise.all([burst(a, 200), burst(b, 200)])
    const row = await appRow()
    assert.equal(
      await counted(minute),
      400 + a.unmade + b.unmade,
      'made and reserved, nothing else'
    )
    assert.isAtMost(a.unmade + b.unmade, 50, 'at most one reservation each is left unmade')
    assert.isBelow(Number(row.version), 60, `${row.version} writes for 400 calls`)
  })

  // "App Minute Limit: 10,000 calls per minute" (https://developer.xero.com/faq/limits), here made
  // 200 in a 600 ms minute of 60 ms seconds: 300 calls need more than one minute.
  test('two processes together never make more calls in a rolling minute than the limit', async ({
    assert,
  }) => {
    const minute = new RollingCount(600, 60, 0)
    const [a, b] = [processOf(200, minute), processOf(200, minute)]
    const times = (await Promise.all([burst(a, 150), burst(b, 150)])).flat().sort((x, y) => x - y)
    assert.lengthOf(times, 300)
    for (const [index, at] of times.entries()) {
      const inWindow = times.slice(0, index + 1).filter((other) => other > at - 600).length
      assert.isAtMost(inWindow, 200, `${inWindow} calls in the minute up to call ${index + 1}`)
    }
    assert.isAbove(times.at(-1)! - times[0], 600, 'the later calls waited for the minute to roll')
  }).timeout(20_000)

  test('what a reservation leaves unmade is given back by the next one', async ({ assert }) => {
    // Limit 300: reservations of at most 3 calls; each burst of 7 leaves some unmade in its second.
    const minute = new RollingCount(60_000, 50, 0)
    const process = processOf(300, minute)
    for (let second = 0; second < 5; second++) {
      await burst(process, 7)
      await sleep(60)
    }
    await burst(process, 1)
    assert.equal(await counted(minute), 36 + process.unmade)
  })

  test("Xero's own count, when higher, pads the minute with the next reservation", async ({
    assert,
  }) => {
    const minute = new RollingCount(60_000, 1000, 250)
    const process = processOf(10_000, minute)
    await burst(process, 1)
    process.observe(10_000 - 500) // Xero counted 500: ours and 499 of another deployment of the app
    await sleep(1000) // the next second: a new reservation
    await burst(process, 1)
    assert.equal(await counted(minute), 500 + 1 + process.unmade, "Xero's 500, then one more")
  })
})
