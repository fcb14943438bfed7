/*
| A brand-new database looks like a first run, not an upgrade. Lucid's migrator creates its
| `adonis_schema_versions` table with version 1 and at once "upgrades" it to 2, logging
| `Upgrading migrations version from "1" to "2"` (node_modules/@adonisjs/lucid/build/src/migration/runner.js,
| getLatestVersion and upgradeVersion). Before `migration:run` (also when `migration:fresh` runs it)
| on a database without the migrations table, the versions table is created at the current version.
*/
import ace from '@adonisjs/core/services/ace'
import app from '@adonisjs/core/services/app'

/** The migrations table format Lucid's runner writes today (its `version`). */
const LUCID_MIGRATIONS_VERSION = 2

ace.executing(async (command) => {
  if (command.commandName !== 'migration:run') return
  const db = await app.container.make('lucid.db')
  const name =
    (command as unknown as { connection?: string }).connection || db.primaryConnectionName
  const config = db.manager.get(name)?.config
  if (!config) return // Lucid itself reports the unknown connection
  const table = config.migrations?.tableName ?? 'adonis_schema'
  const client = db.connection(name)
  const versions = `${table}_versions`
  if ((await client.schema.hasTable(table)) || (await client.schema.hasTable(versions))) return
  await client.schema.createTable(versions, (columns) => {
    columns.integer('version').unsigned().primary()
  })
  await client.table(versions).insert({ version: LUCID_MIGRATIONS_VERSION })
})
