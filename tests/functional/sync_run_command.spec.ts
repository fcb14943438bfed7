import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { exitWithin, syncRunProcess } from '#tests/helpers/sync_process'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** The same statement renames a table on SQLite and MySQL. */
async function renameTable(from: string, to: string) {
  await db.rawQuery(`ALTER TABLE ${from} RENAME TO ${to}`)
}

test.group('node ace sync:run as a process', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld()
    return () => world.close()
  })

  test('an unexpected error before the run is recorded: a clear message, exit code 1, no hang', async ({ assert }) => {
    // As on a server where the latest migrations were not run: the run cannot even be written down.
    await renameTable('sync_runs', 'sync_runs_missing')
    let code: number | string
    let output: string
    try {
      const worker = syncRunProcess(world)
      code = await exitWithin(worker.child, 30_000)
      output = worker.output()
    } finally {
      await renameTable('sync_runs_missing', 'sync_runs')
    }
    assert.equal(code, 1, `exit code; output:\n${output}`)
    assert.match(output, new RegExp(`Product #${world.product.id} Sandbox Books: the sync stopped on an unexpected error: .*sync_runs`))

    // The product's run lock was given back: the next run starts and syncs.
    const next = await world.run()
    assert.isTrue(next.started)
    assert.equal(next.run!.state, 'succeeded', next.run!.error ?? '')
  }).timeout(60_000)
})
