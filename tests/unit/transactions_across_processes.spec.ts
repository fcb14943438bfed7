import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { until } from '#tests/helpers/until'

/**
 * Another process (a worker beside the web server, a console command beside the demo) on the
 * test database, through knex as the app reaches it: it says "writing", inserts one account,
 * commits and exits.
 */
function otherProcessInserting(name: string) {
  const { client, connection } = db.getRawConnection(db.primaryConnectionName)!.config as any
  const script = `
    import knex from 'knex'
    const { client, connection, name } = JSON.parse(process.env.OTHER_DB)
    const other = knex({ client, connection, useNullAsDefault: true, pool: {
      min: 1, max: 1,
      afterCreate: (raw, done) => { if (client === 'better-sqlite3') raw.pragma('busy_timeout = 5000'); done(null, raw) },
    } })
    await other.raw('select 1')
    console.log('writing')
    const now = new Date()
    await other('accounts').insert({ name, plan: 'starter', created_at: now, updated_at: now })
    await other.destroy()
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: app.makePath(),
    env: { ...process.env, OTHER_DB: JSON.stringify({ client, connection, name }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { output: () => output, exited }
}

test.group('Transactions across processes', (group) => {
  group.each.setup(resetDatabase)

  // https://www.sqlite.org/lang_transaction.html ("Read transactions versus write transactions"):
  // a deferred transaction that has read cannot write once another connection has committed since.
  // What Lucid's updateOrCreate does (read, then write in one transaction) failed so on SQLite,
  // "database is locked", when `node ace slack:link` ran beside the demo's worker.
  test('a transaction that reads, then writes while another process writes, commits; so does the other', async ({
    assert,
  }) => {
    let other: ReturnType<typeof otherProcessInserting> | undefined
    await db.transaction(async (trx) => {
      await trx.from('accounts').where('name', 'First MSP').first()
      other = otherProcessInserting('Other MSP')
      assert.isTrue(await until(() => other!.output().includes('writing'), { timeoutMs: 15_000 }))
      await sleep(300) // the other process's insert has been sent (and, with a deferred BEGIN on SQLite, committed)
      const now = new Date()
      await trx
        .insertQuery()
        .table('accounts')
        .insert({ name: 'First MSP', plan: 'starter', created_at: now, updated_at: now })
    })
    assert.equal(await other!.exited, 0, other!.output())
    const names = (await db.from('accounts').orderBy('name').select('name')).map((row) => row.name)
    assert.deepEqual(names, ['First MSP', 'Other MSP'])
  }).timeout(30_000)
})
