import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, stores } from '@adonisjs/session'
import string from '@adonisjs/core/helpers/string'

/**
 * A signed-in session ends after this long without a request (the store's expiry, pushed
 * forward by every request) and, whatever the activity, this long after signing in.
 */
export const idleTimeout = env.get('SESSION_IDLE_TIMEOUT', '2h')
export const absoluteTimeoutMs = string.milliseconds.parse(
  env.get('SESSION_ABSOLUTE_TIMEOUT', '12h')
)

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
    database: stores.database({ tableName: 'sessions', gcProbability: 2 }),
  },
})

export default sessionConfig
