import db from '@adonisjs/lucid/services/db'

/** How a kind of row reads as a state and writes back. */
export interface RowState<S> {
  /** the row as a state at `now` (what has lapsed left out) */
  parse(row: Record<string, any>, now: number): S
  /** the columns that hold `state` */
  columns(state: S): Record<string, unknown>
}

interface Pending {
  apply: (state: any, now: number) => unknown
  resolve: (result: any) => void
  reject: (error: unknown) => void
}

/**
 * Rows many processes change at once without locks (the call budgets): read a row with its
 * `version`, change it with one conditional UPDATE on that version, and read again when another
 * process changed it first. The same on SQLite and MySQL, and two processes never both win.
 *
 * The changes one process asks of one row meanwhile go together (group commit): one read, each
 * change applied in turn to the state, one write. A worker's many lanes on one organisation (or
 * on the app-wide minute, which every organisation's call counts in) then never make each other
 * read again: only another process's write does. Before, each call's change was its own
 * read-and-write, and with 20 organisations in one worker the app-wide row met several failed
 * writes for each call (counted in MySQL's general log during `npm run bench:scale`).
 */
export class OptimisticRows {
  private queues = new Map<string, Pending[]>()
  /**
   * Each row as this process last wrote it. The next change tries its UPDATE on that version without
   * reading first: a row one process keeps changing (an organisation's minute, an Autotask entity's
   * slots, while its product runs here) costs one statement a change, not two. Another process's
   * write in between fails the UPDATE, and the row is read as before.
   */
  private written = new Map<string, Record<string, any>>()

  constructor(
    private table: string,
    private keyColumn: string,
    /** a new row's columns besides its key and version */
    private empty: () => Record<string, unknown>
  ) {}

  /**
   * Applies `apply` to the row of `key` as `kind` reads it, and resolves with what it returned once
   * the change is written. `apply` may run more than once (after another process's write), each time
   * on a fresh state: it must decide from the state alone, and change only the state.
   */
  change<S, R>(key: string, kind: RowState<S>, apply: (state: S, now: number) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queued = this.queues.get(key)
      if (queued) {
        queued.push({ apply, resolve, reject })
        return
      }
      this.queues.set(key, [{ apply, resolve, reject }])
      void this.drain(key, kind)
    })
  }

  /** The row of `key`, created empty when there is none yet. */
  async read(key: string): Promise<Record<string, any>> {
    const row = await db.from(this.table).where(this.keyColumn, key).first()
    if (row) return row
    try {
      await db.table(this.table).insert({ [this.keyColumn]: key, ...this.empty(), version: 0 })
    } catch {
      // Another process created it first.
    }
    return db.from(this.table).where(this.keyColumn, key).firstOrFail()
  }

  /** Commits the changes queued for `key`, a group at a time, until none is left. */
  private async drain(key: string, kind: RowState<unknown>) {
    for (;;) {
      const group = this.queues.get(key)!
      if (group.length === 0) {
        this.queues.delete(key)
        return
      }
      // What is asked from now on waits for the next group.
      this.queues.set(key, [])
      try {
        const results = await this.commit(key, kind, group)
        group.forEach((pending, index) => {
          const result = results[index]
          if ('error' in result) pending.reject(result.error)
          else pending.resolve(result.value)
        })
      } catch (error) {
        for (const pending of group) pending.reject(error)
      }
    }
  }

  private async commit(key: string, kind: RowState<unknown>, group: Pending[]) {
    for (;;) {
      const known = this.written.get(key)
      const row = known ?? (await this.read(key))
      const now = Date.now()
      const state = kind.parse(row, now)
      const before = JSON.stringify(kind.columns(state))
      const results = group.map((pending) => {
        try {
          return { value: pending.apply(state, now) }
        } catch (error) {
          return { error }
        }
      })
      const columns = kind.columns(state)
      if (JSON.stringify(columns) === before) {
        // Nothing changed (every change was a wait), decided on the row as read: no write. Decided on
        // the row as this process wrote it, another process may have freed what was waited for since.
        if (!known) return results
        this.written.delete(key)
        continue
      }
      const version = Number(row.version)
      const updated = await db
        .from(this.table)
        .where(this.keyColumn, key)
        .where('version', version)
        .update({ ...columns, version: version + 1 })
      if (Number(updated) === 1) {
        this.written.set(key, { ...row, ...columns, version: version + 1 })
        return results
      }
      this.written.delete(key)
    }
  }
}
