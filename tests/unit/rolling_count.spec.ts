import { test } from '@japa/runner'
import { RollingCount, type Buckets } from '#integrations/rolling_count'

// A 60 s window in 1 s buckets, no margin.
const minute = new RollingCount(60_000, 1000, 0)

test.group('RollingCount: a rolling window in per-second buckets', () => {
  test('counts calls in their second and lets one more in only under the limit', ({ assert }) => {
    let buckets: Buckets = []
    buckets = minute.add(buckets, 10_100)
    buckets = minute.add(buckets, 10_900)
    buckets = minute.add(buckets, 11_000, 3)
    assert.deepEqual(buckets, [
      [10_000, 2],
      [11_000, 3],
    ])
    assert.equal(minute.total(buckets), 5)
    assert.equal(minute.waitFor(buckets, 6, 20_000), 0)
    // Full at 5: the first bucket leaves once its last possible call has left the window.
    assert.equal(minute.waitFor(buckets, 5, 20_000), 10_000 + 1000 + 60_000 - 20_000)
    // Needing 3 more places: both buckets must go.
    assert.equal(minute.waitFor(buckets, 3, 20_000), 11_000 + 1000 + 60_000 - 20_000)
  })

  test('a bucket counts until its last call has left the window, never less', ({ assert }) => {
    const buckets: Buckets = [[10_000, 1]]
    assert.lengthOf(minute.live(buckets, 10_999 + 60_000), 1, 'a call at 10.999 s is still in')
    assert.lengthOf(minute.live(buckets, 11_000 + 60_000), 0)
  })

  test('calls given back leave their own second, never below none; a second gone by is left alone', ({
    assert,
  }) => {
    const buckets: Buckets = [
      [10_000, 3],
      [12_000, 1],
    ]
    const fewer = minute.remove(buckets, minute.bucketOf(10_500), 2)
    assert.deepEqual(fewer, [
      [10_000, 1],
      [12_000, 1],
    ])
    assert.deepEqual(minute.remove(fewer, 12_000, 5), [[10_000, 1]], 'an emptied second goes')
    assert.deepEqual(minute.remove(fewer, 1_000, 1), fewer, 'a second gone by is left alone')
  })
})
