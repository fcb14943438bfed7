import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { MigrationRunner } from '@adonisjs/lucid/migration'
import { appTables, existingTables, resetDatabase } from '#tests/helpers/database'
import SyncLog from '#models/sync_log'
import { ProductFactory } from '#database/factories/product_factory'

async function migrate(direction: 'up' | 'down') {
  const runner =
    direction === 'up'
      ? new MigrationRunner(db, app, { direction: 'up' })
      : new MigrationRunner(db, app, { direction: 'down', batch: 0 })
  await runner.run()
  if (runner.error) throw runner.error
  return runner
}

test.group('Migrations', () => {
  test('roll all the way down and back up on {$self} connection', async ({ assert }) => {
    await migrate('down')
    const afterDown = await existingTables()
    for (const table of appTables) assert.notInclude(afterDown, table)
    assert.notInclude(afterDown, 'sync_logs_fts')

    const up = await migrate('up')
    assert.isAbove(Object.keys(up.migratedFiles).length, 0)
    const afterUp = await existingTables()
    for (const table of appTables) assert.include(afterUp, table)

    // The text index is back too: a fresh line is found by a word of its message.
    await resetDatabase()
    const product = await ProductFactory.with('account').create()
    await SyncLog.create({
      productId: product.id,
      level: 'info',
      event: 'test',
      message: 'Invoice 4711 pushed to Xero',
    })
    const found = await SyncLog.query()
      .where('product_id', product.id)
      .apply((scopes) => scopes.matching('pushed'))
    assert.lengthOf(found, 1)
  })
    .with([db.primaryConnectionName])
    .timeout(60_000)
})
