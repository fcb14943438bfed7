import db from '@adonisjs/lucid/services/db'

/**
 * Rows many processes change at once without locks (the call budgets): read a row with its
 * `version`, change it with one conditional UPDATE on that version, and read again when another
 * process changed it first. The same on SQLite and MySQL, and two processes never both win.
 */
export class OptimisticRows {
  constructor(
    private table: string,
    private keyColumn: string,
    /** a new row's columns besides its key and version */
    private empty: () => Record<string, unknown>
  ) {}

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

  /** Writes `columns` if the row is still at `version`: false when another process changed it first. */
  async write(key: string, version: number, columns: Record<string, unknown>) {
    const updated = await db
      .from(this.table)
      .where(this.keyColumn, key)
      .where('version', version)
      .update({ ...columns, version: version + 1 })
    return Number(updated) === 1
  }
}
