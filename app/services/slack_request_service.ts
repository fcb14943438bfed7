import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import { toSqlDateTime } from '#models/columns'
import { Clock } from '#sync/clock'

/**
 * Replay guard: a signature may be used once. Kept in the database, so every
 * web process refuses a request another one already served.
 */
@inject()
export default class SlackRequestService {
  constructor(protected clock: Clock) {}

  /** True the first time this signature is seen within its window; false for a replay. */
  async firstUse(signature: string, windowSeconds: number) {
    const now = this.clock.now()
    await db.from('slack_request_signatures').where('expires_at', '<', toSqlDateTime(now)).delete()
    try {
      await db.table('slack_request_signatures').insert({
        signature,
        expires_at: toSqlDateTime(now.plus({ seconds: windowSeconds * 2 })),
      })
      return true
    } catch (error) {
      if (isDuplicate(error)) return false
      throw error
    }
  }
}

function isDuplicate(error: unknown) {
  const failure = error as { code?: string; errno?: number; message?: string }
  return (
    failure.code === 'ER_DUP_ENTRY' ||
    failure.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    failure.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint|Duplicate entry/.test(failure.message ?? '')
  )
}
