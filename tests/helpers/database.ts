import db from '@adonisjs/lucid/services/db'

/**
 * Every table the app writes, children first. Emptied before each test instead
 * of a global transaction: the limiter and lock stores write through their own
 * connection, which a transaction would block on SQLite.
 */
export const appTables = [
  'audit_events',
  'slack_request_signatures',
  'slack_alert_records',
  'slack_alerts',
  'slack_user_links',
  'slack_connections',
  'sync_logs',
  'sync_runs',
  'links',
  'mappings',
  'invoice_records',
  'purchase_order_records',
  'sync_previews',
  'products',
  'users',
  'accounts',
  'xero_budgets',
  'rate_limits',
  'locks',
  'sync_workers',
  'sessions',
]

export async function resetDatabase() {
  for (const table of appTables) {
    await db.from(table).delete()
  }
}

/** Names of the tables that exist now, on SQLite or MySQL. */
export async function existingTables(): Promise<string[]> {
  const connection = db.connection()
  if (connection.dialect.name.includes('sqlite')) {
    const rows = await connection.rawQuery(`SELECT name FROM sqlite_master WHERE type = 'table'`)
    return rows.map((row: { name: string }) => row.name)
  }
  const [rows] = await connection.rawQuery('SHOW TABLES')
  return rows.map((row: Record<string, string>) => Object.values(row)[0])
}
