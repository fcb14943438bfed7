import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import { Clock } from '#sync/clock'
import { toSqlDateTime } from '#models/columns'

/** A worker that has not checked in for this long (three of the scheduler's 10-second ticks) is gone. */
const LIVE_SECONDS = 30
/** Rows of workers gone this long are deleted. */
const FORGET_SECONDS = 3600

/**
 * The worker processes alive now, over every machine that shares the database: each checks in at
 * its tick (`sync_workers`). With several alive, a tick takes its share of the products due; the
 * first worker to tick on a billing day would otherwise take every product due, up to its
 * `productsAtOnce`, and leave the others idle.
 */
@inject()
export default class SyncWorkers {
  constructor(protected clock: Clock) {}

  /** Marks `name` alive now; returns how many workers are (itself included). */
  async checkIn(name: string): Promise<number> {
    const now = this.clock.now()
    await db
      .table('sync_workers')
      .insert({ name, seen_at: toSqlDateTime(now) })
      .onConflict('name')
      .merge(['seen_at'])
    await db
      .from('sync_workers')
      .where('seen_at', '<', toSqlDateTime(now.minus({ seconds: FORGET_SECONDS })))
      .delete()
    const live = await db
      .from('sync_workers')
      .where('seen_at', '>=', toSqlDateTime(now.minus({ seconds: LIVE_SECONDS })))
      .count('* as n')
      .first()
    return Math.max(1, Number(live?.n ?? 1))
  }
}
