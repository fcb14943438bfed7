import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { DateTime } from 'luxon'
import { resetDatabase } from '#tests/helpers/database'
import { assertRecordStatus } from '#tests/helpers/assertions'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import Product from '#models/product'
import SlackConnection from '#models/slack_connection'
import SlackUserLink from '#models/slack_user_link'
import { UserFactory } from '#database/factories/user_factory'
import ProductService from '#services/product_service'
import RecordStatusService from '#services/record_status_service'
import SlackLinkService from '#services/slack_link_service'
import { Clock, FixedClock } from '#sync/clock'

/** A time far from the machine's, so a service that reads the system clock is caught. */
const NOW = DateTime.fromISO('2025-06-15T10:30:00Z', { zone: 'utc' })

function fixClock() {
  const clock = new FixedClock(NOW)
  app.container.swap(Clock, () => clock)
  return clock
}

test.group('Services take business time from the injected clock', (group) => {
  group.each.setup(resetDatabase)
  group.each.teardown(() => app.container.restore(Clock))

  test('resuming a product makes it due at the clock time', async ({ assert }) => {
    fixClock()
    const product = await ProductFactory.with('account').merge({ status: 'paused' }).create()

    await (
      await app.container.make(ProductService)
    ).setStatus(product, 'active', 'owner@example.com')

    const stored = await Product.findOrFail(product.id)
    assert.equal(stored.nextSyncAt!.toUTC().toISO(), NOW.toISO())
  })

  test('the dashboard counts invoices synced in the clock month', async ({ assert }) => {
    fixClock()
    const product = await ProductFactory.with('account').create()
    for (const syncedAt of ['2025-06-02T08:00:00Z', '2025-05-31T23:00:00Z']) {
      await InvoiceRecordFactory.merge({
        productId: product.id,
        status: 'synced',
        syncedAt: DateTime.fromISO(syncedAt, { zone: 'utc' }),
      }).create()
    }
    await product.load('account')

    const [card] = await (await app.container.make(ProductService)).cardsFor(product.account)

    assert.equal(card.syncedThisMonth, 1)
  })

  test('a resync wakes the engine at the clock time', async ({ assert }) => {
    fixClock()
    const product = await ProductFactory.with('account').create()
    const record = await InvoiceRecordFactory.apply('fault')
      .merge({ productId: product.id })
      .create()

    const result = await (
      await app.container.make(RecordStatusService)
    ).apply('invoice', record, 'resync', 'tester')

    assert.isTrue(result.ok)
    await assertRecordStatus(record, 'pending')
    const stored = await Product.findOrFail(product.id)
    assert.equal(stored.syncRequestedAt!.toUTC().toISO(), NOW.toISO())
  })

  test('a Slack link is approved at the clock time', async ({ assert }) => {
    fixClock()
    const user = await UserFactory.with('account').create()
    await user.load('account')
    const connection = await SlackConnection.create({
      accountId: user.accountId,
      teamId: 'T0CLOCK',
      botToken: 'xoxb-clock-test',
      signingSecret: 'clock-test-signing-secret',
    })

    const links = await app.container.make(SlackLinkService)
    const result = await links.linkDirectly(
      connection,
      user.account,
      user.email,
      'U0CLOCK',
      'console'
    )

    assert.isTrue(result.ok)
    const stored = await SlackUserLink.findByOrFail('slack_user_id', 'U0CLOCK')
    assert.equal(stored.approvedAt!.toUTC().toISO(), NOW.toISO())
  })
})
