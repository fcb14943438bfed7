import { test } from '@japa/runner'
import { DiscoveryFeed } from '#sync/discovery_feed'

/** Settles what is due now (resolved promises and their continuations), then says whether `promise` has. */
async function settled(promise: Promise<unknown>) {
  let done = false
  void promise.then(() => (done = true))
  await new Promise((resolve) => setImmediate(resolve))
  return done
}

test.group('Discovery feed: discovery stays a little ahead of the push', () => {
  test('discovery waits once `ahead` records are stored and not claimed, and reads on as the push claims them', async ({
    assert,
  }) => {
    const feed = new DiscoveryFeed(new Map(), 100)
    feed.stored(60)
    assert.isTrue(await settled(feed.room()), '60 ahead of the push: room')
    feed.stored(60)
    const waiting = feed.room()
    assert.isFalse(await settled(waiting), '120 ahead: discovery waits')
    feed.taken(10)
    assert.isFalse(await settled(waiting), '110 ahead: still waits')
    feed.taken(50)
    assert.isTrue(await settled(waiting), '60 ahead after a batch: reads on')
  })

  test('a push lane with nothing to claim lets discovery read on (what is stored may not be claimable yet); the credit notes lane does not', async ({
    assert,
  }) => {
    const feed = new DiscoveryFeed(new Map(), 100)
    feed.stored(500)
    const seen = feed.version
    const creditNotes = feed.beyond(seen, false)
    const waiting = feed.room()
    assert.isFalse(await settled(waiting), 'the credit notes lane waiting is no reason')
    const lane = feed.beyond(seen)
    assert.isTrue(await settled(waiting), 'an invoice lane found nothing: discovery reads on')
    // Once that lane has work again, discovery waits again while the backlog is large.
    feed.stored(10)
    assert.isTrue(await lane)
    assert.isTrue(await creditNotes)
    assert.isFalse(await settled(feed.room()))
  })

  test('a push that ended, and the end of discovery, hold nothing', async ({ assert }) => {
    const ended = new DiscoveryFeed(new Map(), 100)
    ended.stored(500)
    const waiting = ended.room()
    ended.unhold()
    assert.isTrue(await settled(waiting))
    assert.isTrue(await settled(ended.room()), 'and no later page waits either')

    const over = new DiscoveryFeed(new Map(), 100)
    over.stored(500)
    const last = over.room()
    over.end()
    assert.isTrue(await settled(last))
  })
})
