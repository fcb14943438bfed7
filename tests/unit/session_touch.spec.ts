import { test } from '@japa/runner'
import { configProvider } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import type { SessionConfig, SessionStoreContract } from '@adonisjs/session/types'
import { touchingAtMostEvery } from '#config/session'

/** A store that only records what it was asked, and a clock the test moves. */
function setUp() {
  const calls: string[] = []
  const store: SessionStoreContract = {
    async read() {
      return null
    },
    async write(id) {
      calls.push(`write ${id}`)
    },
    async destroy(id) {
      calls.push(`destroy ${id}`)
    },
    async touch(id) {
      calls.push(`touch ${id}`)
    },
  }
  const clock = { now: 0 }
  const throttled = touchingAtMostEvery(
    configProvider.create(async () => () => store),
    60_000,
    () => clock.now
  )
  const make = async () =>
    (await throttled.resolver({} as any))({} as HttpContext, {} as SessionConfig)
  return { calls, clock, make }
}

test.group('Session expiry pushed forward at most once a minute', () => {
  test('a request within the minute after a write or a touch does not touch the store', async ({
    assert,
  }) => {
    const { calls, clock, make } = setUp()
    await (await make()).write('a', {})
    clock.now = 59_999
    await (await make()).touch('a')
    assert.deepEqual(calls, ['write a'], 'the write just set the expiry')
    clock.now = 60_000
    await (await make()).touch('a')
    clock.now = 100_000
    await (await make()).touch('a')
    assert.deepEqual(calls, ['write a', 'touch a'], 'one touch once the minute is over')
    await (await make()).touch('b')
    assert.deepEqual(calls, ['write a', 'touch a', 'touch b'], 'another session is its own')
  })

  test('a destroyed session is forgotten: the same id is touched again at once', async ({
    assert,
  }) => {
    const { calls, make } = setUp()
    await (await make()).touch('a')
    await (await make()).destroy('a')
    await (await make()).touch('a')
    assert.deepEqual(calls, ['touch a', 'destroy a', 'touch a'])
  })
})
