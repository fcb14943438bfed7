import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/lucid'

/**
 * SQLite is the embedded default (no set-up); MySQL/MariaDB is production.
 * `DB_CONNECTION=mysql` switches. Both run the same migrations.
 */
/** https://www.sqlite.org/fts5.html#fts5_table_creation_and_initialization: the shadow tables of an FTS5 table */
const FTS5_SHADOW_TABLES = ['config', 'content', 'data', 'docsize', 'idx']

/**
 * Every transaction takes SQLite's write lock when it begins (`BEGIN IMMEDIATE`), not at its first
 * write. A deferred `BEGIN` that reads, while another process (the web server, a worker, a console
 * command) commits a write, cannot then write: SQLite answers "database is locked" at once, since
 * its snapshot is stale and waiting cannot help (https://www.sqlite.org/lang_transaction.html,
 * "Read transactions versus write transactions"; https://www.sqlite.org/rescode.html#busy_snapshot).
 * Lucid's `updateOrCreate` reads then writes in a transaction, and `node ace slack:link` failed so
 * beside a running demo. `BEGIN IMMEDIATE` waits out the busy time-out like any write instead. Knex
 * sends a transaction's start as the statement `BEGIN;` and has no setting for its kind, so the
 * connection's `prepare` swaps that one statement; savepoints (nested transactions) are untouched.
 */
function beginImmediate(connection: { prepare: (sql: string) => unknown }) {
  const prepare = connection.prepare.bind(connection)
  connection.prepare = (sql: string) => prepare(sql === 'BEGIN;' ? 'BEGIN IMMEDIATE;' : sql)
}

const dbConfig = defineConfig({
  connection: env.get('DB_CONNECTION', 'sqlite'),
  connections: {
    sqlite: {
      client: 'better-sqlite3',
      connection: {
        filename: app.makePath(env.get('SQLITE_PATH', 'tmp/db.sqlite3')),
      },
      useNullAsDefault: true,
      pool: {
        // WAL and a busy timeout let the web process and workers share the file.
        afterCreate: (connection: any, done: (error: Error | null, connection: any) => void) => {
          connection.pragma('journal_mode = WAL')
          connection.pragma('busy_timeout = 5000')
          connection.pragma('foreign_keys = ON')
          beginImmediate(connection)
          done(null, connection)
        },
      },
      migrations: {
        naturalSort: true,
        paths: ['database/migrations'],
      },
      // The full-text index's shadow tables (FTS5 keeps them beside sync_logs_fts) go
      // with it when `migration:fresh` or `db:wipe` drops it; dropping them on their
      // own as well failed with "no such table: sync_logs_fts_config".
      wipe: { ignoreTables: FTS5_SHADOW_TABLES.map((suffix) => `sync_logs_fts_${suffix}`) },
      // The models declare their columns; Lucid 22 would otherwise write database/schema.ts after each migration.
      schemaGeneration: { enabled: false },
    },
    mysql: {
      client: 'mysql2',
      connection: {
        host: env.get('MYSQL_HOST', '127.0.0.1'),
        port: env.get('MYSQL_PORT', 3306),
        user: env.get('MYSQL_USER', 'root'),
        password: env.get('MYSQL_PASSWORD', ''),
        database: env.get('MYSQL_DB_NAME', 'accounting_toolbox'),
        charset: 'utf8mb4',
        timezone: 'Z',
        dateStrings: false,
      },
      pool: { min: 0, max: 10 },
      migrations: {
        naturalSort: true,
        paths: ['database/migrations'],
      },
      // The models declare their columns; Lucid 22 would otherwise write database/schema.ts after each migration.
      schemaGeneration: { enabled: false },
    },
  },
})

export default dbConfig
