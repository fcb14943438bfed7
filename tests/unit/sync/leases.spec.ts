import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { resetDatabase } from '#tests/helpers/database'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import InvoiceRecord from '#models/invoice_record'
import LeaseService from '#sync/leases'
import { DiscoveryFeed } from '#sync/discovery_feed'
import { Clock, FixedClock } from '#sync/clock'
import { assertRecordStatus } from '#tests/helpers/assertions'

async function setup(count: number) {
  const clock = new FixedClock()
  app.container.swap(Clock, () => clock)
  const leases = await app.container.make(LeaseService)
  const product = await ProductFactory.with('account').create()
  await InvoiceRecordFactory.merge({ productId: product.id }).createMany(count)
  return { clock, leases, product }
}

test.group('Leases', (group) => {
  group.each.setup(resetDatabase)
  group.each.teardown(() => app.container.restore(Clock))

  test('two workers claiming at once never get the same invoice', async ({ assert }) => {
    const { leases, product } = await setup(30)
    const [a, b, c] = await Promise.all([
      leases.claim('invoice', product.id, 'worker-a', 12, 60),
      leases.claim('invoice', product.id, 'worker-b', 12, 60),
      leases.claim('invoice', product.id, 'worker-c', 12, 60),
    ])
    const all = [...a.ids, ...b.ids, ...c.ids]
    assert.lengthOf(all, 30)
    assert.lengthOf(new Set(all), 30)
    const processing = await InvoiceRecord.query()
      .where('product_id', product.id)
      .where('status', 'processing')
    assert.lengthOf(processing, 30)
  })

  test('records waiting for a retry are not claimed before their time', async ({ assert }) => {
    const { clock, leases, product } = await setup(2)
    const [first] = await InvoiceRecord.query().where('product_id', product.id).orderBy('id')
    first.nextAttemptAt = clock.now().plus({ minutes: 5 })
    await first.save()

    const now = await leases.claim('invoice', product.id, 'w', 10, 60)
    assert.notInclude(now.ids, first.id)
    assert.lengthOf(now.ids, 1)

    clock.advance({ minutes: 6 })
    const later = await leases.claim('invoice', product.id, 'w', 10, 60)
    assert.deepEqual(later.ids, [first.id])
  })

  test('an expired lease is reclaimed, and the late worker can no longer settle it', async ({
    assert,
  }) => {
    const { clock, leases, product } = await setup(1)
    const claim = await leases.claim('invoice', product.id, 'dying-worker', 10, 60)
    assert.lengthOf(claim.ids, 1)

    assert.lengthOf(await leases.reclaimExpired('invoice'), 0, 'a live lease stays')
    clock.advance({ seconds: 61 })
    const reclaimed = await leases.reclaimExpired('invoice')
    assert.deepEqual(
      reclaimed.map((r) => r.id),
      claim.ids
    )
    assert.equal((await InvoiceRecord.findOrFail(claim.ids[0])).status, 'pending')

    const settled = await leases.settle('invoice', claim.token, [
      { id: claim.ids[0], changes: { status: 'synced' } },
    ])
    assert.equal(settled.size, 0)
    assert.equal((await InvoiceRecord.findOrFail(claim.ids[0])).status, 'pending')

    const second = await leases.claim('invoice', product.id, 'new-worker', 10, 60)
    const written = await leases.settle('invoice', second.token, [
      { id: second.ids[0], changes: { status: 'synced' } },
    ])
    assert.deepEqual([...written], [second.ids[0]])
    const record = await InvoiceRecord.findOrFail(second.ids[0])
    assert.equal(record.status, 'synced')
    assert.isNull(record.leaseOwner)
  })

  test('a batch is settled at once, each record with its own changes, none whose lease was lost', async ({
    assert,
  }) => {
    const { clock, leases, product } = await setup(3)
    const claim = await leases.claim('invoice', product.id, 'w', 10, 60)
    const [a, b, lost] = claim.ids
    // The third record's lease expires and another worker takes it.
    await InvoiceRecord.query()
      .where('id', lost)
      .update({ lease_expires_at: '2000-01-01 00:00:00' })
    await leases.reclaimExpired('invoice')
    const other = await leases.claim('invoice', product.id, 'other', 10, 60)
    assert.deepEqual(other.ids, [lost])

    clock.advance({ seconds: 5 })
    const written = await leases.settle('invoice', claim.token, [
      { id: a, changes: { status: 'synced', xero_invoice_id: 'x-a', attempts: 0 } },
      { id: b, changes: { status: 'fault', fault_reason: 'No tax rate', next_attempt_at: null } },
      { id: lost, changes: { status: 'synced', xero_invoice_id: 'x-lost' } },
    ])
    assert.deepEqual([...written].sort(), [a, b].sort())

    const [first, second, third] = await Promise.all(
      [a, b, lost].map((id) => InvoiceRecord.findOrFail(id))
    )
    assert.equal(first.status, 'synced')
    assert.equal(first.xeroInvoiceId, 'x-a')
    assert.isNull(first.faultReason)
    assert.isNull(first.leaseOwner)
    assert.equal(second.status, 'fault')
    assert.equal(second.faultReason, 'No tax rate')
    assert.isNull(second.xeroInvoiceId, 'a column a record does not change keeps its value')
    assert.isNull(second.leaseExpiresAt)
    assert.equal(third.status, 'processing', 'the other worker still holds it')
    assert.equal(third.leaseOwner, other.token)
    assert.isNull(third.xeroInvoiceId)
  })

  test('renewing keeps a long claim alive past its first expiry', async ({ assert }) => {
    const { clock, leases, product } = await setup(1)
    const claim = await leases.claim('invoice', product.id, 'w', 10, 60)
    clock.advance({ seconds: 50 })
    await leases.renew('invoice', claim, 60)
    clock.advance({ seconds: 50 })
    assert.lengthOf(await leases.reclaimExpired('invoice'), 0)
  })
})

test.group('Leases: what is claimable', (group) => {
  group.each.setup(resetDatabase)
  group.each.teardown(() => app.container.restore(Clock))

  test('an invoice without a number (billing run not finished) is never claimed', async ({
    assert,
  }) => {
    const { leases, product } = await setup(0)
    const waiting = await InvoiceRecordFactory.merge({
      productId: product.id,
      invoiceNumber: null,
    }).create()
    const ready = await InvoiceRecordFactory.merge({ productId: product.id }).create()
    const claim = await leases.claim('invoice', product.id, 'w', 10, 60)
    assert.deepEqual(claim.ids, [ready.id])
    await assertRecordStatus(waiting, 'pending')
  })
})

test.group('Leases: reclaiming', (group) => {
  group.each.setup(resetDatabase)
  group.each.teardown(() => app.container.restore(Clock))

  test("a dead worker's try counts, so the next push looks the invoice up in Xero first", async ({
    assert,
  }) => {
    const { clock, leases, product } = await setup(1)
    const claim = await leases.claim('invoice', product.id, 'w', 10, 60)
    clock.advance({ seconds: 61 })
    await leases.reclaimExpired('invoice')
    const record = await InvoiceRecord.findOrFail(claim.ids[0])
    assert.equal(record.status, 'pending')
    assert.equal(record.attempts, 1)
  })
})

test.group('Leases beside a running discovery (DiscoveryFeed)', (group) => {
  group.each.setup(resetDatabase)
  group.each.teardown(() => app.container.restore(Clock))

  test('while the feed is open a claim takes only whole batches of invoices whose company is resolved; once it ends, the rest', async ({
    assert,
  }) => {
    const { leases, product } = await setup(0)
    const resolved = new Map<number, unknown>([[1, { ok: true }]])
    const feed = new DiscoveryFeed(resolved)
    const of = (autotaskCompanyId: number | null, count: number) =>
      InvoiceRecordFactory.merge({ productId: product.id, autotaskCompanyId }).createMany(count)
    const known = await of(1, 4)
    const noCompany = await of(null, 1)
    const unknown = await of(2, 3)
    const claim = (limit: number) =>
      leases.claim('invoice', product.id, 'w', limit, 60, {
        only: (query) => feed.narrow(query),
        whole: feed.open,
      })

    assert.deepEqual((await claim(6)).ids, [], 'five claimable, fewer than a whole batch of six')
    const first = await claim(5)
    assert.sameMembers(
      first.ids,
      [...known, ...noCompany].map((record) => record.id)
    )

    feed.end()
    assert.isFalse(feed.open)
    const rest = await claim(6)
    assert.sameMembers(
      rest.ids,
      unknown.map((record) => record.id),
      'the rest once the feed ends'
    )
  })

  test('a lane waits beyond what it saw: woken by a stored page, told to stop once the feed ends', async ({
    assert,
  }) => {
    const feed = new DiscoveryFeed(new Map())
    const seen = feed.version
    let woke: boolean | null = null
    const waiting = feed.beyond(seen).then((answer) => (woke = answer))
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.isNull(woke, 'nothing stored yet: still waiting')
    feed.stored()
    assert.isTrue(await waiting)

    const again = feed.version
    feed.end(true)
    assert.isTrue(feed.failed)
    assert.isTrue(await feed.beyond(again), 'the end itself is news: look once more')
    assert.isFalse(await feed.beyond(feed.version), 'then nothing more will come')
  })
})
