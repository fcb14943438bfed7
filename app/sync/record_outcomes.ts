import { inject } from '@adonisjs/core'
import emitter from '@adonisjs/core/services/emitter'
import logger from '@adonisjs/core/services/logger'
import { AutotaskError } from '#integrations/autotask/errors'
import {
  XeroError,
  XeroForbiddenError,
  XeroNotConnectedError,
  XeroRateLimitError,
  XeroReconnectRequiredError,
  XeroUnauthorizedError,
} from '#integrations/xero/errors'
import db from '@adonisjs/lucid/services/db'
import type { DateTime } from 'luxon'
import { recordKinds, type AnyRecord, type RecordKind } from '#sync/record_kinds'
import type { RecordFaulted, RecordSynced } from '#events/sync_events'
import type Product from '#models/product'
import Link from '#models/link'
import { toSqlDateTime } from '#models/columns'
import SyncLogService, { type LogLineInput } from '#services/sync_log_service'
import LeaseService, { type Claim } from '#sync/leases'
import { retryingDeadlocks } from '#sync/deadlocks'
import { nextAttemptAt } from '#sync/backoff'
import { Clock } from '#sync/clock'
import { LIMIT_NAMES, waitingOutRateLimits } from '#sync/rate_limits'
import syncConfig from '#config/sync'

export interface PushStats {
  synced: number
  faulted: number
  retried: number
  skipped: number
}

/** The product can no longer reach Xero: the run stops, claimed records go back untouched. */
export class ConnectionLost extends Error {}

/** Errors that no retry fixes: a person must reconnect (or connect) the organisation. */
export function isConnectionError(error: unknown) {
  return (
    error instanceof ConnectionLost ||
    error instanceof XeroReconnectRequiredError ||
    error instanceof XeroUnauthorizedError ||
    error instanceof XeroForbiddenError ||
    error instanceof XeroNotConnectedError
  )
}

/** How a record is named in log lines and alerts. */
export function recordLabel(kind: RecordKind, record: AnyRecord) {
  const spec = recordKinds[kind]
  return `${spec.title} ${spec.numberOf(record) ?? `#${record.autotaskId}`}`
}

/** A record of a claimed batch, as outcomes need it. */
type ClaimedRecord = AnyRecord

/** The link a synced record gets (or keeps) to its Xero document. */
export interface LinkTo {
  kind: 'invoice' | 'purchase_order'
  xeroId: string
  xeroLabel: string | null
}

interface Settlement {
  record: ClaimedRecord
  changes: Record<string, unknown>
  line: LogLineInput | null
  counts: keyof PushStats | null
  link?: LinkTo
  event?:
    | { name: 'record:faulted'; payload: RecordFaulted }
    | { name: 'record:synced'; payload: RecordSynced }
}

/**
 * How a claimed record's outcome is recorded, the same for invoices and purchase
 * orders: only while the lease is held, always with a log line, and with the
 * event the Slack bot listens to. Outcomes are gathered per batch and written
 * in one transaction (one commit for fifty invoices, not two hundred); the
 * events go out once it has committed.
 */
@inject()
export default class RecordOutcomes {
  constructor(
    protected leases: LeaseService,
    protected clock: Clock
  ) {}

  /** Outcomes of one claimed batch, written by `commit()`. */
  batch(kind: RecordKind, product: Product, syncRunId: number, claim: Claim, stats: PushStats) {
    return new OutcomeBatch(this.leases, this.clock, kind, product, syncRunId, claim, stats)
  }

  /**
   * Xero asked for a wait too long to wait out (its daily limit): that is no
   * fault of the records. Those not yet decided go back to `pending`, due when
   * Xero allows, without spending an attempt; the push stops.
   */
  async rateLimited(batch: OutcomeBatch, records: ClaimedRecord[], error: XeroRateLimitError) {
    const dueAt = this.clock.now().plus({ seconds: error.retryAfterSeconds })
    const open = records.filter((record) => !batch.has(record))
    for (const record of open) batch.release(record, toSqlDateTime(dueAt))
    batch.note(
      'warn',
      'run.rate_limited',
      `Xero's ${LIMIT_NAMES[error.problem]} rate limit reached: ${open.length} waiting until ${dueAt.toFormat('yyyy-LL-dd HH:mm')} UTC, as Xero asks; no attempt counted`
    )
    await batch.commit()
  }

  /**
   * A whole batch failed. A lost connection stops the run and hands the records
   * back untouched; a transient failure (a Xero 5xx or time-out, Autotask busy)
   * schedules them again with back-off and faults those out of attempts; anything
   * else faults them with the error. What the batch had already recorded is
   * written too. (Rate limits are not failures: see `rateLimited`.)
   */
  async batchFailed(batch: OutcomeBatch, records: ClaimedRecord[], error: unknown) {
    const message = (error as Error)?.message ?? String(error)
    // Records the batch already settled (a mapping fault, say) keep that outcome.
    const open = records.filter((record) => !batch.has(record))
    if (isConnectionError(error)) {
      for (const record of open) batch.release(record)
      await batch.commit()
      throw new ConnectionLost(message)
    }
    const transient =
      (error instanceof XeroError && error.transient) ||
      (error instanceof AutotaskError && error.retryable)
    if (!transient) {
      logger.error(
        { err: error, productId: batch.product.id, syncRunId: batch.syncRunId },
        'a batch failed unexpectedly'
      )
      for (const record of open) {
        batch.fault(
          record,
          `Unexpected error while pushing: ${message}`,
          'This is likely a bug; it has been logged. Resync to try again.'
        )
      }
      await batch.commit()
      return
    }
    const max = batch.product.effectiveSettings.maxTransientAttempts
    const now = this.clock.now()
    for (const record of open) {
      const attempts = record.attempts + 1
      if (attempts >= max) {
        batch.fault(
          record,
          `Gave up after ${attempts} attempts: ${message}`,
          'Xero or Autotask kept failing; check their status pages, then resync.'
        )
        continue
      }
      const at = nextAttemptAt(now, attempts)
      batch.retry(
        record,
        attempts,
        at,
        `${message}; retrying at ${at.toFormat('HH:mm:ss')} UTC (attempt ${attempts} of ${max})`
      )
    }
    await batch.commit()
  }
}

export class OutcomeBatch {
  private settlements: Settlement[] = []
  private lines: LogLineInput[] = []
  private waited = { count: 0, seconds: 0, limits: new Set<string>() }
  private decided = new Set<number>()

  constructor(
    private leases: LeaseService,
    private clock: Clock,
    readonly kind: RecordKind,
    readonly product: Product,
    readonly syncRunId: number,
    readonly claim: Claim,
    readonly stats: PushStats
  ) {}

  /** Whether this record's outcome is already decided in this batch. */
  has(record: ClaimedRecord) {
    return this.decided.has(record.id)
  }

  fault(record: ClaimedRecord, reason: string, hint: string) {
    this.settle(record, {
      changes: { status: 'fault', fault_reason: reason, fault_hint: hint, next_attempt_at: null },
      line: this.line(
        record,
        'error',
        `${this.kind}.fault`,
        `${recordLabel(this.kind, record)}: ${reason}`
      ),
      counts: 'faulted',
      event: {
        name: 'record:faulted',
        payload: {
          kind: this.kind,
          recordId: record.id,
          productId: this.product.id,
          syncRunId: this.syncRunId,
          reason,
          hint,
        },
      },
    })
  }

  synced(
    record: ClaimedRecord,
    changes: Record<string, unknown>,
    link: LinkTo & { xeroId: string },
    message: string
  ) {
    this.settle(record, {
      changes: {
        status: 'synced',
        synced_at: toSqlDateTime(this.clock.now()),
        attempts: 0,
        next_attempt_at: null,
        fault_reason: null,
        fault_hint: null,
        ...changes,
      },
      line: this.line(record, 'info', `${this.kind}.synced`, message),
      counts: 'synced',
      link,
      event: {
        name: 'record:synced',
        payload: {
          kind: this.kind,
          recordId: record.id,
          productId: this.product.id,
          syncRunId: this.syncRunId,
          xeroId: link.xeroId,
        },
      },
    })
  }

  /** The engine's own skip: nothing for a person to do, so the reason is kept and no alert is raised. */
  skipped(record: ClaimedRecord, reason: string) {
    this.settle(record, {
      changes: { status: 'skipped', fault_reason: reason, fault_hint: null, next_attempt_at: null },
      line: this.line(
        record,
        'info',
        `${this.kind}.skipped`,
        `${recordLabel(this.kind, record)}: Skipped Over. ${reason}`
      ),
      counts: 'skipped',
    })
  }

  /** Back to `pending`, due again at `at`. */
  retry(record: ClaimedRecord, attempts: number, at: DateTime, message: string) {
    this.settle(record, {
      changes: { status: 'pending', attempts, next_attempt_at: toSqlDateTime(at) },
      line: this.line(
        record,
        'warn',
        `${this.kind}.retry`,
        `${recordLabel(this.kind, record)}: ${message}`
      ),
      counts: 'retried',
    })
  }

  /** Handed back untouched (the run stops, or Xero asked us to wait); due again at `dueAt` when given. */
  release(record: ClaimedRecord, dueAt: string | null = null) {
    this.settle(record, {
      changes: { status: 'pending', ...(dueAt ? { next_attempt_at: dueAt } : {}) },
      line: null,
      counts: null,
    })
  }

  /**
   * Runs a Xero call, waiting out a short rate limit (the minute's or the
   * concurrency's, as long as Retry-After says) and trying again, with the claim
   * kept and renewed: a rate limit is no failure of the records. A long wait
   * (the daily limit) is thrown for `RecordOutcomes.rateLimited`. The waits are
   * noted in one line per batch.
   */
  async waitOutRateLimits<T>(call: () => Promise<T>): Promise<T> {
    return waitingOutRateLimits(call, async (error) => {
      this.waited.count++
      this.waited.seconds += error.retryAfterSeconds
      this.waited.limits.add(LIMIT_NAMES[error.problem])
      await this.leases.renew(this.kind, this.claim, syncConfig.leaseSeconds)
    })
  }

  /** A line about the run, not about one record. */
  note(level: 'info' | 'warn' | 'error', event: string, message: string) {
    this.lines.push({
      productId: this.product.id,
      syncRunId: this.syncRunId,
      level,
      event,
      message,
      actor: 'engine',
    })
  }

  /** A log line about a record that is not an outcome (refreshed, found in Xero…). */
  log(record: ClaimedRecord, level: 'info' | 'warn' | 'error', event: string, message: string) {
    this.lines.push(this.line(record, level, event, message))
  }

  /**
   * Writes everything gathered in one transaction: each settlement only while
   * the lease is still ours (a record whose lease was lost gets neither line nor
   * link nor event), the log lines in one insert, the links as one upsert.
   * Then the events. The batch can be used again afterwards.
   */
  async commit() {
    if (this.waited.count > 0) {
      const { count, seconds, limits } = this.waited
      this.note(
        'info',
        'run.rate_limited',
        `Waited ${seconds} s for Xero's ${[...limits].join(' and ')} rate limit (${count} time${count === 1 ? '' : 's'}), as Xero asked; no attempt counted`
      )
      this.waited = { count: 0, seconds: 0, limits: new Set() }
    }
    const settlements = this.settlements
    const lines = this.lines
    this.settlements = []
    this.lines = []
    if (settlements.length === 0 && lines.length === 0) return
    // Nothing was written if the commit fails: its records are open again, for batchFailed to settle.
    const reopen = (error: unknown) => {
      for (const settlement of settlements) this.decided.delete(settlement.record.id)
      throw error
    }
    const settled = await retryingDeadlocks(() =>
      db.transaction(async (trx) => {
        const written = await this.leases.settle(
          this.kind,
          this.claim.token,
          settlements.map(({ record, changes }) => ({ id: record.id, changes })),
          trx
        )
        const done = settlements.filter((settlement) => written.has(settlement.record.id))
        await SyncLogService.insert(
          [...lines, ...done.flatMap((s) => (s.line ? [s.line] : []))],
          trx
        )
        await Link.upsertMany(
          done.flatMap(({ record, link }) =>
            link
              ? [
                  {
                    productId: this.product.id,
                    kind: link.kind,
                    autotaskId: record.autotaskId,
                    xeroId: link.xeroId,
                    xeroLabel: link.xeroLabel,
                  },
                ]
              : []
          ),
          trx
        )
        return done
      })
    ).catch(reopen)
    for (const settlement of settled) {
      if (settlement.counts) this.stats[settlement.counts]++
    }
    // At once: the Slack listener looks a batch's synced records up together (SlackAlerts.synced).
    await Promise.all(
      settled.flatMap(({ event }) =>
        event ? [emitter.emit(event.name, event.payload as any)] : []
      )
    )
  }

  private settle(record: ClaimedRecord, settlement: Omit<Settlement, 'record'>) {
    if (this.decided.has(record.id))
      throw new Error(`${recordLabel(this.kind, record)} already has an outcome in this batch`)
    this.decided.add(record.id)
    this.settlements.push({ record, ...settlement })
  }

  private line(
    record: ClaimedRecord,
    level: 'info' | 'warn' | 'error',
    event: string,
    message: string
  ): LogLineInput {
    return {
      productId: this.product.id,
      syncRunId: this.syncRunId,
      [recordKinds[this.kind].logAttribute]: record.id,
      autotaskId: record.autotaskId,
      level,
      event,
      message,
      actor: 'engine',
    }
  }
}
