import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { OptimisticRows, type RowState } from '#integrations/optimistic_rows'

/** A counter kept in a budget row's day_count; `version` counts the row's writes. */
const counter: RowState<{ count: number }> = {
  parse: (row) => ({ count: Number(row.day_count) }),
  columns: (state) => ({ day_count: state.count }),
}

/** One process's view of xero_budgets (each instance groups only its own changes). */
const worker = () =>
  new OptimisticRows('xero_budgets', 'tenant_id', () => ({
    minute_log: '[]',
    in_flight: '[]',
    day_started_at: 0,
    day_count: 0,
  }))

const row = () => db.from('xero_budgets').where('tenant_id', 'counter').firstOrFail()

/** One more on the counter; resolves with the count it made. */
const bump = (rows: OptimisticRows) =>
  rows.change('counter', counter, (state) => {
    state.count++
    return state.count
  })

test.group('Optimistic rows', (group) => {
  group.each.setup(resetDatabase)

  test("one process's changes made at once go in one write each group, in order, none lost", async ({
    assert,
  }) => {
    const rows = worker()
    const seen = await Promise.all(
      Array.from({ length: 50 }, () =>
        rows.change('counter', counter, (state) => {
          state.count++
          return state.count
        })
      )
    )
    const after = await row()
    assert.equal(Number(after.day_count), 50)
    // Each change saw the ones before it in its group: every count from 1 to 50 once.
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, index) => index + 1)
    )
    // The first change went alone; the 49 asked while it was written went together.
    assert.isAtMost(Number(after.version), 3, `${after.version} writes for 50 changes`)
  })

  test('two processes changing one row at once never both win: every change is counted once', async ({
    assert,
  }) => {
    const [a, b] = [worker(), worker()]
    const rounds = Array.from({ length: 20 }, (_, index) => index)
    await Promise.all(
      rounds.map(async () => {
        await Promise.all([bump(a), bump(b)])
        await Promise.all([bump(b), bump(a)])
      })
    )
    assert.equal(Number((await row()).day_count), 80)
  })

  test('a change that changes nothing (a wait) writes nothing; one that throws fails alone', async ({
    assert,
  }) => {
    const rows = worker()
    await rows.change('counter', counter, (state) => {
      state.count = 7
    })
    const version = Number((await row()).version)
    const [waited, failed, counted] = await Promise.allSettled([
      rows.change('counter', counter, (state) => (state.count >= 7 ? 'wait' : 'go')),
      rows.change('counter', counter, () => {
        throw new Error('refused')
      }),
      rows.change('counter', counter, (state) => {
        state.count++
        return state.count
      }),
    ])
    assert.deepEqual(waited, { status: 'fulfilled', value: 'wait' })
    assert.equal(failed.status, 'rejected')
    assert.equal((failed as PromiseRejectedResult).reason.message, 'refused')
    assert.deepEqual(counted, { status: 'fulfilled', value: 8 })
    const after = await row()
    assert.equal(Number(after.day_count), 8)
    assert.equal(Number(after.version), version + 1, 'only the counting change wrote')

    await rows.change('counter', counter, (state) => state.count)
    assert.equal(Number((await row()).version), version + 1, 'a read-only change wrote nothing')
  })

  test('a row this process wrote last is changed again without reading it first; a write by another process in between is read, not overwritten', async ({
    assert,
  }) => {
    const [a, b] = [worker(), worker()]
    const statements: string[] = []
    const knex = db.connection().getWriteClient()
    const listen = (query: { sql: string }) => statements.push(query.sql.toLowerCase())
    knex.on('query', listen)
    try {
      for (let i = 0; i < 10; i++) await bump(a)
      const reads = statements.filter((sql) => sql.startsWith('select')).length
      // The first change reads the row (and creates it); the nine after it write on the version it wrote.
      assert.isAtMost(reads, 2, statements.join('\n'))
      assert.equal(statements.filter((sql) => sql.startsWith('update')).length, 10)
    } finally {
      knex.off('query', listen)
    }
    assert.equal(await bump(b), 11)
    // a's next write fails on the version b moved, and a reads b's count rather than writing over it.
    assert.equal(await bump(a), 12)
    assert.equal(Number((await row()).day_count), 12)
  })

  test('a wait decided on the row as this process wrote it is decided again on the row as it is', async ({
    assert,
  }) => {
    const [a, b] = [worker(), worker()]
    await a.change('counter', counter, (state) => {
      state.count = 7
    })
    // Another process lowers the count: what a waited for is there now.
    await b.change('counter', counter, (state) => {
      state.count = 3
    })
    const decided = await a.change('counter', counter, (state) =>
      state.count >= 7 ? 'wait' : 'go'
    )
    assert.equal(decided, 'go')
  })
})
