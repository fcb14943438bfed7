import { test } from '@japa/runner'
import ace from '@adonisjs/core/services/ace'
import { DateTime } from 'luxon'
import { resetDatabase } from '#tests/helpers/database'
import { ProductFactory } from '#database/factories/product_factory'
import ProductsList from '#commands/products_list'

test.group('node ace products:list', (group) => {
  group.each.setup(resetDatabase)
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  test('shows the next sync of an Active product and none for a Paused one', async ({ assert }) => {
    const next = DateTime.fromISO('2026-12-05T21:30:00Z', { zone: 'utc' })
    await ProductFactory.with('account')
      .merge({ name: 'Running Books', nextSyncAt: next })
      .apply('active')
      .create()
    await ProductFactory.with('account').merge({ name: 'Resting Books', nextSyncAt: next }).create()

    const command = await ace.create(ProductsList, [])
    await command.exec()
    command.assertSucceeded()
    const rows = command.ui.logger.getLogs().map((log) => log.message)
    const running = rows.find((row) => row.includes('Running Books'))
    const resting = rows.find((row) => row.includes('Resting Books'))
    assert.include(running, '2026-12-05 21:30')
    assert.include(resting, 'Paused')
    assert.notInclude(resting, '2026-12-05 21:30')
  })
})
