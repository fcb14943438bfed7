import { test } from '@japa/runner'
import {
  XeroRateLimitError,
  XeroRequestTooLargeError,
  errorFromResponse,
} from '#integrations/xero/errors'
import { statusForUpdate } from '#sync/invoice_push'
import { contactsIdempotencyKey } from '#sync/contact_resolver'
import { cutBySize } from '#sync/request_size'

const limits = { emptyBytes: 15, maxBytes: 100, maxCount: 3 }

test.group('Push safety: pure rules', () => {
  test('an update never moves a Xero invoice back: DRAFT < SUBMITTED < AUTHORISED', ({
    assert,
  }) => {
    assert.equal(statusForUpdate('AUTHORISED', 'DRAFT'), 'AUTHORISED')
    assert.equal(statusForUpdate('SUBMITTED', 'DRAFT'), 'SUBMITTED')
    assert.equal(statusForUpdate('AUTHORISED', 'SUBMITTED'), 'AUTHORISED')
    assert.equal(
      statusForUpdate('DRAFT', 'AUTHORISED'),
      'AUTHORISED',
      'forward moves are ours to make'
    )
    assert.equal(statusForUpdate('AUTHORISED', 'AUTHORISED'), 'AUTHORISED')
    assert.isUndefined(statusForUpdate('AUTHORISED', undefined), 'no status sent stays none sent')
    assert.equal(
      statusForUpdate('AUTHORISED', 'VOIDED'),
      'VOIDED',
      'a void is not a status of the order'
    )
  })

  test('requests are cut by count and by bytes, in order', ({ assert }) => {
    const sizes: Record<string, number> = { a: 20, b: 20, c: 20, d: 20, e: 60, f: 30 }
    const { requests, tooLarge } = cutBySize(Object.keys(sizes), (key) => sizes[key], limits)
    // a,b,c: 15 + 60 + 2 commas = 77; d then e: 15 + 20 + 1 + 60 = 96; f would make 127.
    assert.deepEqual(requests, [['a', 'b', 'c'], ['d', 'e'], ['f']])
    assert.deepEqual(tooLarge, [])
  })

  test('a document over the limit even alone is set aside with its size, the others still go', ({
    assert,
  }) => {
    const sizes: Record<string, number> = { a: 10, huge: 86, b: 10 }
    const { requests, tooLarge } = cutBySize(Object.keys(sizes), (key) => sizes[key], limits)
    assert.deepEqual(requests, [['a', 'b']])
    assert.deepEqual(tooLarge, [{ item: 'huge', bytes: 101 }])
    assert.deepEqual(
      cutBySize(['x'], () => 85, limits).requests,
      [['x']],
      'exactly at the limit goes'
    )
  })

  test('a concurrent-limit 429 without Retry-After waits about a second; a minute one a minute', ({
    assert,
  }) => {
    const concurrent = errorFromResponse(429, '', { 'x-rate-limit-problem': 'concurrent' })
    assert.instanceOf(concurrent, XeroRateLimitError)
    assert.equal((concurrent as XeroRateLimitError).problem, 'concurrent')
    assert.equal((concurrent as XeroRateLimitError).retryAfterSeconds, 1)
    const minute = errorFromResponse(429, '', {
      'x-rate-limit-problem': 'minute',
    }) as XeroRateLimitError
    assert.equal(minute.retryAfterSeconds, 60)
    const asked = errorFromResponse(429, '', {
      'x-rate-limit-problem': 'concurrent',
      'retry-after': '3',
    }) as XeroRateLimitError
    assert.equal(asked.retryAfterSeconds, 3, 'Retry-After, when given, is obeyed')
  })

  test('a 413 becomes our own too-large error with the limit in words', ({ assert }) => {
    const error = errorFromResponse(413, 'Request Entity Too Large', {})
    assert.instanceOf(error, XeroRequestTooLargeError)
    assert.isFalse(error.transient)
    assert.include(error.message, '3.5 MB')
  })

  test('a contact create has an Idempotency-Key that follows the product, the run and what it writes', ({
    assert,
  }) => {
    const contacts = [{ name: 'Acme Ltd', contactNumber: '29683001' }]
    const key = contactsIdempotencyKey(7, 40, contacts)
    const again = contactsIdempotencyKey(7, 40, [{ name: 'Acme Ltd', contactNumber: '29683001' }])
    assert.equal(again, key, 'a retry of the request sends the same key')
    assert.notEqual(contactsIdempotencyKey(8, 40, contacts), key, 'another product, another key')
    assert.notEqual(contactsIdempotencyKey(7, 41, contacts), key, 'a later run is asked afresh')
    assert.notEqual(
      contactsIdempotencyKey(7, 40, [{ name: 'Acme Ltd.', contactNumber: '29683001' }]),
      key
    )
    assert.isAtMost(key.length, 128, "Xero's longest key")
  })
})
