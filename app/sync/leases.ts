import { inject } from '@adonisjs/core'
import { randomUUID } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { Clock } from '#sync/clock'
import { recordKinds, type RecordKind } from '#sync/record_kinds'
import { toSqlDateTime } from '#models/columns'
import { retryingDeadlocks } from '#sync/deadlocks'

export interface Claim {
  token: string
  ids: number[]
}

export interface ReclaimedRecord {
  id: number
  productId: number
  autotaskId: number
  leaseOwner: string
}

/**
 * Work is claimed with expiring leases, never bare flags, so any number of
 * workers on any number of machines sharing one MySQL database never hold the
 * same record, and a dead worker's records come back. A claim is one atomic
 * UPDATE (MySQL: `UPDATE … ORDER BY id LIMIT n`; SQLite, which has one writer,
 * `UPDATE … WHERE id IN (SELECT … LIMIT n)`), tagged with a fresh lease token.
 */
@inject()
export default class LeaseService {
  constructor(protected clock: Clock) {}

  /** Moves up to `limit` due, numbered `pending` records of a product to `processing` under a fresh lease token. */
  async claim(
    kind: RecordKind,
    productId: number,
    worker: string,
    limit: number,
    leaseSeconds: number,
    options: {
      /** narrows what is due (the invoice push leaves negative invoices to the credit-note push) */
      only?: (query: any) => any
      /** claims nothing unless `limit` records are due (more will come: a whole batch is one call, not two) */
      whole?: boolean
    } = {}
  ): Promise<Claim> {
    const { only } = options
    const { table, numberColumn } = recordKinds[kind]
    const token = `${worker.slice(0, 80)}#${randomUUID().slice(0, 12)}`
    const now = this.clock.now()
    const changes = {
      status: 'processing',
      lease_owner: token,
      lease_expires_at: toSqlDateTime(now.plus({ seconds: leaseSeconds })),
      updated_at: toSqlDateTime(now),
    }
    const due = (query: any) =>
      (only ?? ((q: any) => q))(query)
        .where('product_id', productId)
        .where('status', 'pending')
        // Without a number (an unfinished Autotask billing run) a record waits.
        .whereNotNull(numberColumn)
        .where((q: any) =>
          q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', toSqlDateTime(now))
        )

    if (options.whole) {
      const ready = await due(db.from(table).select('id')).limit(limit)
      if (ready.length < limit) return { token, ids: [] }
    }

    // A person's resync goes ahead of the scheduled work of its product: read without locking, then
    // taken only while still pending (an ORDER BY on needs_refresh in the UPDATE itself would sort,
    // and on MySQL lock, every pending row of the product).
    const resynced = await due(db.from(table).select('id'))
      .where('needs_refresh', true)
      .orderBy('id')
      .limit(limit)
    if (resynced.length > 0) {
      await db
        .from(table)
        .whereIn(
          'id',
          resynced.map((row: { id: number }) => row.id)
        )
        .where('status', 'pending')
        .update(changes)
    }
    const taken = resynced.length > 0 ? await this.count(table, token) : 0
    if (taken < limit) {
      if (db.connection().dialect.name === 'mysql') {
        // One statement: a concurrent claim waits for this one's row locks, then skips what is no longer
        // pending. Read committed: the UPDATE then locks only the rows it takes, not every row and gap it
        // scans, which deadlocked with the credit notes' claims and discovery's inserts beside it (seen in
        // bench:sync: repeatable read locks a scanned row even when `only` leaves it out).
        await retryingDeadlocks(() =>
          db.transaction(
            (trx) =>
              due(trx.from(table))
                .orderBy('id')
                .limit(limit - taken)
                .update(changes),
            { isolationLevel: 'read committed' }
          )
        )
      } else {
        const candidates = due(db.from(table).select('id'))
          .orderBy('id')
          .limit(limit - taken)
        await db.from(table).whereIn('id', candidates).where('status', 'pending').update(changes)
      }
    }

    const claimed = await db.from(table).select('id').where('lease_owner', token).orderBy('id')
    return { token, ids: claimed.map((row) => Number(row.id)) }
  }

  private async count(table: string, token: string) {
    const row = await db.from(table).where('lease_owner', token).count('* as n').first()
    return Number(row?.n ?? 0)
  }

  /** Extends a claim that is still running (long batches, slow Xero). */
  async renew(kind: RecordKind, claim: Claim, leaseSeconds: number) {
    const { table } = recordKinds[kind]
    return db
      .from(table)
      .where('lease_owner', claim.token)
      .where('status', 'processing')
      .update({ lease_expires_at: toSqlDateTime(this.clock.now().plus({ seconds: leaseSeconds })) })
  }

  /**
   * Applies records' outcomes only while the caller still holds their lease: a
   * worker whose lease expired and was reclaimed can no longer overwrite anything.
   * A batch's outcomes are two statements, not one per record: the records still
   * ours are read (and, on MySQL, locked), then all of them are written by one
   * UPDATE whose columns take each record's own value (`CASE id WHEN …`). Returns
   * the ids written.
   */
  async settle(
    kind: RecordKind,
    token: string,
    outcomes: { id: number; changes: Record<string, unknown> }[],
    client: QueryClientContract = db.connection()
  ): Promise<Set<number>> {
    if (outcomes.length === 0) return new Set()
    const { table } = recordKinds[kind]
    // By primary key alone, as one UPDATE per record locked before: on a small table MariaDB may read the status
    // index instead, locking its 'processing' range and gaps, where a credit-note claim beside it writes.
    const byId = (
      client.dialect.name === 'mysql' ? client.raw('?? FORCE INDEX (PRIMARY)', [table]) : table
    ) as string
    const held = client
      .from(byId)
      .select('id')
      .whereIn(
        'id',
        outcomes.map((outcome) => outcome.id)
      )
      .where('lease_owner', token)
      .where('status', 'processing')
    // SQLite's transactions already hold its one write lock (BEGIN IMMEDIATE: config/database.ts).
    if (client.dialect.name === 'mysql') held.forUpdate()
    const ours = new Set((await held).map((row: { id: number | string }) => Number(row.id)))
    const settled = outcomes.filter((outcome) => ours.has(outcome.id))
    if (settled.length === 0) return ours
    const common = {
      lease_owner: null,
      lease_expires_at: null,
      updated_at: toSqlDateTime(this.clock.now()),
    }
    await client
      .from(byId)
      .whereIn(
        'id',
        settled.map((outcome) => outcome.id)
      )
      // Still ours: already so in the caller's transaction, and so also for a caller without one.
      .where('lease_owner', token)
      .where('status', 'processing')
      .update({ ...common, ...columnsByRecord(client, settled) })
    return ours
  }

  /** The sweeper: records whose lease expired (their worker died) go back to `pending`, one by one. */
  async reclaimExpired(kind: RecordKind): Promise<ReclaimedRecord[]> {
    const { table } = recordKinds[kind]
    const now = toSqlDateTime(this.clock.now())
    const expired = await db
      .from(table)
      .select('id', 'product_id', 'autotask_id', 'lease_owner')
      .where('status', 'processing')
      .where('lease_expires_at', '<', now)
      .limit(1000)
    const reclaimed: ReclaimedRecord[] = []
    for (const row of expired) {
      const updated = await db
        .from(table)
        .where('id', row.id)
        .where('lease_owner', row.lease_owner)
        .where('status', 'processing')
        .update({
          status: 'pending',
          lease_owner: null,
          lease_expires_at: null,
          updated_at: now,
          // The dead worker's try counts: the record may have reached Xero, so the next push looks it up first.
          attempts: db.knexRawQuery('attempts + 1'),
        })
      if (Number(updated) === 1) {
        reclaimed.push({
          id: Number(row.id),
          productId: Number(row.product_id),
          autotaskId: Number(row.autotask_id),
          leaseOwner: row.lease_owner,
        })
      }
    }
    return reclaimed
  }
}

/**
 * One UPDATE's columns for many records' own changes: a column every record sets to one value is
 * set to it, any other is `CASE id WHEN … THEN … ELSE column END` (a record that does not change it keeps it).
 */
function columnsByRecord(
  client: QueryClientContract,
  outcomes: { id: number; changes: Record<string, unknown> }[]
) {
  const columns = new Set(outcomes.flatMap((outcome) => Object.keys(outcome.changes)))
  const set: Record<string, unknown> = {}
  for (const column of columns) {
    const values = outcomes.map((outcome) => outcome.changes[column])
    if (values.every((value) => value !== undefined && value === values[0])) {
      set[column] = values[0]
      continue
    }
    const whens = outcomes.filter((outcome) => outcome.changes[column] !== undefined)
    set[column] = client.knexRawQuery(
      `CASE id ${whens.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ?? END`,
      [...whens.flatMap((outcome) => [outcome.id, outcome.changes[column] as any]), column]
    )
  }
  return set
}
