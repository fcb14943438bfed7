import { test } from '@japa/runner'
import { setTimeout as sleep } from 'node:timers/promises'
import { resetDatabase } from '#tests/helpers/database'
import { ARRIVAL_MARGIN_MS, XeroBudget } from '#integrations/xero/xero_budget'

test.group("Xero's per-organisation minute (XeroBudget)", (group) => {
  group.each.setup(resetDatabase)

  /** Fills a two-call minute of 100 ms, asks again 50 ms after the oldest call's minute, and says when it went. */
  async function thirdCallAfterFullMinute(arrivalMarginMs?: number) {
    const minuteMs = 100
    const budget = new XeroBudget({
      perMinute: 2,
      concurrent: 5,
      perDay: 100,
      slotMs: 10_000,
      // A 600-times clock: the minute lasts 100 ms; the margin is real time.
      clockSpeed: 60_000 / minuteMs,
      arrivalMarginMs,
    })
    const sent: number[] = []
    for (let call = 0; call < 2; call++) {
      const token = await budget.acquire('org')
      sent.push(Date.now())
      await budget.release('org', token, null, sent[call])
    }
    await sleep(Math.max(0, sent[0] + minuteMs + 50 - Date.now()))
    await budget.acquire('org')
    return { oldestLeftMinuteAt: sent[0] + minuteMs, wentAt: Date.now() }
  }

  test('a call asked for just after the oldest call has left the minute waits out the arrival margin: Xero stamped that call later than it left', async ({
    assert,
  }) => {
    const { oldestLeftMinuteAt, wentAt } = await thirdCallAfterFullMinute()
    assert.isAtLeast(
      wentAt,
      oldestLeftMinuteAt + ARRIVAL_MARGIN_MS,
      'the third call went before the oldest one had left the minute as Xero counts it'
    )
    assert.isBelow(wentAt, oldestLeftMinuteAt + ARRIVAL_MARGIN_MS + 1_000, 'and not long after')
  })

  test('XERO_ARRIVAL_MARGIN_MS (arrivalMarginMs) sets the margin', async ({ assert }) => {
    const { oldestLeftMinuteAt, wentAt } = await thirdCallAfterFullMinute(700)
    assert.isAtLeast(wentAt, oldestLeftMinuteAt + 700)
    assert.isBelow(wentAt, oldestLeftMinuteAt + 700 + 1_000)
  })
})
