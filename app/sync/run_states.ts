import { inject } from '@adonisjs/core'
import lockManager from '@adonisjs/lock/services/main'
import db from '@adonisjs/lucid/services/db'
import SyncRun, { type SyncRunStats } from '#models/sync_run'
import type { SyncRunState } from '#enums/sync'
import SyncLogService from '#services/sync_log_service'
import { toSqlDateTime } from '#models/columns'
import { Clock } from '#sync/clock'
import syncConfig from '#config/sync'

/** Where a run may go from each state: once ended, a run stays as it ended. */
const TRANSITIONS: Record<SyncRunState, readonly SyncRunState[]> = {
  running: ['succeeded', 'failed', 'cancelled', 'waiting'],
  succeeded: [],
  failed: [],
  cancelled: [],
  waiting: [],
}

export type EndedState = Exclude<SyncRunState, 'running'>

/** The lock a product's run holds; its name is shared by every process. */
export const productLock = (productId: number) =>
  lockManager.createLock(`sync:product:${productId}`, `${syncConfig.runLockSeconds}s`)

/**
 * A run's state moves through one guarded transition: a conditional UPDATE
 * (`… WHERE id = ? AND state = <from>`), so two processes that try to end the
 * same run (its worker, and the sweeper closing it as stale) cannot both win,
 * and no ended run is reopened or ended twice.
 */
@inject()
export default class RunStates {
  constructor(
    protected clock: Clock,
    protected logs: SyncLogService
  ) {}

  /**
   * Moves `run` from the state it holds to `to`. Returns false (and changes
   * nothing) when another process moved it first; throws on a move the state
   * machine does not allow (a bug).
   */
  async move(
    run: SyncRun,
    to: EndedState,
    changes: { error?: string | null; stats?: SyncRunStats | null } = {}
  ): Promise<boolean> {
    const from = run.state
    if (!TRANSITIONS[from].includes(to))
      throw new Error(`Sync run #${run.id} cannot go from ${from} to ${to}`)
    const now = toSqlDateTime(this.clock.now())
    const updated = await db
      .from('sync_runs')
      .where('id', run.id)
      .where('state', from)
      .update({
        state: to,
        finished_at: now,
        heartbeat_at: now,
        updated_at: now,
        ...('error' in changes ? { error: changes.error } : {}),
        ...(changes.stats ? { stats: JSON.stringify(changes.stats) } : {}),
      })
    await run.refresh()
    return Number(updated) === 1
  }

  /** Closes every run of a product left `running`: called under the product's lock, so none of them is live. */
  async closeAbandoned(productId: number) {
    const abandoned = await SyncRun.query().where('product_id', productId).where('state', 'running')
    for (const run of abandoned) await this.closeAsStopped(run)
    return abandoned.length
  }

  /**
   * The tick's sweep: runs left `running` whose heartbeat is older than the run
   * lock's lifetime, and whose product lock is free (its worker died), are closed
   * as failed, with a log line. Before this, such a run stayed `running` on the
   * dashboard until its product ran again.
   */
  async sweepStale() {
    const before = toSqlDateTime(this.clock.now().minus({ seconds: syncConfig.runLockSeconds }))
    const stale = await SyncRun.query()
      .where('state', 'running')
      .where((q) =>
        q.where('heartbeat_at', '<', before).orWhere((n) => {
          n.whereNull('heartbeat_at').where('started_at', '<', before)
        })
      )
      .limit(100)
    let closed = 0
    for (const productId of new Set(stale.map((run) => run.productId))) {
      const lock = productLock(productId)
      // A live worker holds it (a run between heartbeats): not stale after all.
      if (!(await lock.acquireImmediately())) continue
      try {
        for (const run of stale.filter((r) => r.productId === productId)) {
          if (await this.closeAsStopped(run)) closed++
        }
      } finally {
        await lock.forceRelease()
      }
    }
    return closed
  }

  private async closeAsStopped(run: SyncRun) {
    const error = 'The worker running it stopped'
    if (!(await this.move(run, 'failed', { error }))) return false
    await this.logs.write({
      productId: run.productId,
      syncRunId: run.id,
      level: 'warn',
      event: 'run.abandoned',
      message: `Sync run #${run.id} closed as failed: the worker running it (${run.worker ?? 'unknown'}) stopped`,
      actor: 'engine',
    })
    return true
  }
}
