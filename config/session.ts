import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { configProvider } from '@adonisjs/core'
import type { ConfigProvider } from '@adonisjs/core/types'
import { defineConfig, stores } from '@adonisjs/session'
import type { SessionStoreFactory } from '@adonisjs/session/types'
import string from '@adonisjs/core/helpers/string'

/**
 * A signed-in session ends after this long without a request (the store's expiry, pushed
 * forward by every request) and, whatever the activity, this long after signing in.
 */
export const idleTimeout = env.get('SESSION_IDLE_TIMEOUT', '2h')
export const absoluteTimeoutMs = string.milliseconds.parse(
  env.get('SESSION_ABSOLUTE_TIMEOUT', '12h')
)

/** How often a request of an unchanged session pushes its expiry forward (see `touchingAtMostEvery`). */
export const TOUCH_EVERY_MS = 60_000

/**
 * The store's expiry is pushed forward (an UPDATE, a redo-log flush on MySQL) by a request whose session
 * did not change, at most once per `everyMs` per session and process: every page view wrote it before.
 * The expiry can then lag the last request by up to `everyMs`, so the idle time-out is that much shorter
 * at worst. A write (sign-in, a flash message) sets the expiry too and counts as a touch; a destroyed
 * session is forgotten. The sessions remembered are bounded (oldest forgotten first).
 */
export function touchingAtMostEvery(
  provider: ConfigProvider<SessionStoreFactory>,
  everyMs: number,
  now: () => number = Date.now
): ConfigProvider<SessionStoreFactory> {
  const touchedAt = new Map<string, number>()
  const remember = (sessionId: string) => {
    touchedAt.delete(sessionId)
    if (touchedAt.size >= 10_000) touchedAt.delete(touchedAt.keys().next().value!)
    touchedAt.set(sessionId, now())
  }
  return configProvider.create(async (application) => {
    const factory = await provider.resolver(application)
    return (ctx, config) => {
      const store = factory(ctx, config)
      const write = store.write.bind(store)
      const touch = store.touch.bind(store)
      const destroy = store.destroy.bind(store)
      store.write = async (sessionId, values) => {
        await write(sessionId, values)
        remember(sessionId)
      }
      store.touch = async (sessionId) => {
        const last = touchedAt.get(sessionId)
        if (last !== undefined && now() - last < everyMs) return
        await touch(sessionId)
        remember(sessionId)
      }
      store.destroy = async (sessionId) => {
        touchedAt.delete(sessionId)
        await destroy(sessionId)
      }
      return store
    }
  })
}

/**
 * Sessions live in the database, shared by every web process: the cookie holds only
 * the session's id, so signing out, a password change or a removed user ends the
 * session everywhere at once (the row is deleted). `memory` is for one-process tests.
 */
const sessionConfig = defineConfig({
  enabled: true,
  cookieName: 'toolbox-session',
  clearWithBrowser: false,
  age: idleTimeout,
  cookie: {
    path: '/',
    httpOnly: true,
    secure: app.inProduction,
    sameSite: 'lax',
  },
  store: env.get('SESSION_DRIVER') === 'memory' ? 'memory' : 'database',
  stores: {
    database: touchingAtMostEvery(
      stores.database({ tableName: 'sessions', gcProbability: 2 }),
      TOUCH_EVERY_MS
    ),
  },
})

export default sessionConfig
