import { inject } from '@adonisjs/core'
import emitter from '@adonisjs/core/services/emitter'
import { AutotaskError } from '#integrations/autotask/errors'
import {
  XeroError,
  XeroForbiddenError,
  XeroNotConnectedError,
  XeroRateLimitError,
  XeroReconnectRequiredError,
  XeroUnauthorizedError,
} from '#integrations/xero/errors'
import type { AnyRecord, RecordKind } from '#enums/record_kind'
import type InvoiceRecord from '#models/invoice_record'
import type PurchaseOrderRecord from '#models/purchase_order_record'
import type Product from '#models/product'
import { toSqlDateTime } from '#models/columns'
import SyncLogService from '#services/sync_log_service'
import LeaseService, { type Claim } from '#sync/leases'
import { nextAttemptAt } from '#sync/backoff'
import { Clock } from '#sync/clock'

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
  if (kind === 'invoice') {
    const invoice = record as InvoiceRecord
    return `Invoice ${invoice.invoiceNumber ?? `#${invoice.autotaskId}`}`
  }
  return `Purchase order ${(record as PurchaseOrderRecord).poNumber ?? `#${record.autotaskId}`}`
}

/**
 * How a claimed record's outcome is recorded, the same for invoices and purchase
 * orders: only while the lease is held, always with a log line, and with the
 * event the Slack bot listens to.
 */
@inject()
export default class RecordOutcomes {
  constructor(
    protected leases: LeaseService,
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  async fault(
    kind: RecordKind,
    product: Product,
    syncRunId: number,
    claim: Claim,
    record: AnyRecord,
    reason: string,
    hint: string,
    stats: PushStats
  ) {
    const settled = await this.leases.settle(kind, record.id, claim.token, {
      status: 'fault',
      fault_reason: reason,
      fault_hint: hint,
      next_attempt_at: null,
    })
    if (!settled) return
    stats.faulted++
    await this.log(kind, product, syncRunId, record, 'error', `${kind}.fault`, `${recordLabel(kind, record)}: ${reason}`)
    await emitter.emit('record:faulted', { kind, recordId: record.id, productId: product.id, syncRunId, reason, hint })
  }

  /** The engine's own skip: nothing for a person to do, so the reason is kept and no alert is raised. */
  async skipped(
    kind: RecordKind,
    product: Product,
    syncRunId: number,
    claim: Claim,
    record: AnyRecord,
    reason: string,
    stats: PushStats
  ) {
    const settled = await this.leases.settle(kind, record.id, claim.token, {
      status: 'skipped',
      fault_reason: reason,
      fault_hint: null,
      next_attempt_at: null,
    })
    if (!settled) return
    stats.skipped++
    await this.log(kind, product, syncRunId, record, 'info', `${kind}.skipped`, `${recordLabel(kind, record)}: Skipped Over. ${reason}`)
  }

  async synced(
    kind: RecordKind,
    product: Product,
    syncRunId: number,
    claim: Claim,
    record: AnyRecord,
    changes: Record<string, unknown>,
    xeroId: string,
    message: string,
    stats: PushStats
  ) {
    const settled = await this.leases.settle(kind, record.id, claim.token, {
      status: 'synced',
      synced_at: toSqlDateTime(this.clock.now()),
      attempts: 0,
      next_attempt_at: null,
      fault_reason: null,
      fault_hint: null,
      ...changes,
    })
    if (!settled) return false
    stats.synced++
    await this.log(kind, product, syncRunId, record, 'info', `${kind}.synced`, message)
    await emitter.emit('record:synced', { kind, recordId: record.id, productId: product.id, syncRunId, xeroId })
    return true
  }

  /**
   * A whole batch failed. A lost connection stops the run and hands the records
   * back untouched; a transient failure (429, 5xx, time-out, Autotask busy)
   * schedules them again with back-off and faults those out of attempts; anything
   * else faults them with the error. Returns how long to wait before the next batch.
   */
  async batchFailed(
    kind: RecordKind,
    product: Product,
    syncRunId: number,
    claim: Claim,
    records: AnyRecord[],
    error: unknown,
    stats: PushStats
  ): Promise<number> {
    const message = (error as Error)?.message ?? String(error)
    if (isConnectionError(error)) {
      for (const record of records) await this.leases.settle(kind, record.id, claim.token, { status: 'pending' })
      throw new ConnectionLost(message)
    }
    const transient = (error instanceof XeroError && error.transient) || (error instanceof AutotaskError && error.retryable)
    if (!transient) {
      for (const record of records) {
        await this.fault(kind, product, syncRunId, claim, record, `Unexpected error while pushing: ${message}`, 'This is likely a bug; it has been logged. Resync to try again.', stats)
      }
      return 0
    }
    const retryAfter = error instanceof XeroRateLimitError ? error.retryAfterSeconds : 0
    const max = product.effectiveSettings.maxTransientAttempts
    const now = this.clock.now()
    for (const record of records) {
      const attempts = record.attempts + 1
      if (attempts >= max) {
        await this.fault(kind, product, syncRunId, claim, record, `Gave up after ${attempts} attempts: ${message}`, 'Xero or Autotask kept failing; check their status pages, then resync.', stats)
        continue
      }
      const at = nextAttemptAt(now, attempts, retryAfter)
      const settled = await this.leases.settle(kind, record.id, claim.token, {
        status: 'pending',
        attempts,
        next_attempt_at: toSqlDateTime(at),
      })
      if (!settled) continue
      stats.retried++
      await this.log(kind, product, syncRunId, record, 'warn', `${kind}.retry`, `${recordLabel(kind, record)}: ${message}; retrying at ${at.toFormat('HH:mm:ss')} UTC (attempt ${attempts} of ${max})`)
    }
    return retryAfter
  }

  async log(
    kind: RecordKind,
    product: Product,
    syncRunId: number,
    record: AnyRecord,
    level: 'info' | 'warn' | 'error',
    event: string,
    message: string
  ) {
    await this.logs.write({
      productId: product.id,
      syncRunId,
      [kind === 'invoice' ? 'invoiceRecordId' : 'purchaseOrderRecordId']: record.id,
      autotaskId: record.autotaskId,
      level,
      event,
      message,
      actor: 'engine',
    })
  }
}
