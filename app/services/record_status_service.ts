import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import { recordKinds, type AnyRecord, type RecordKind } from '#sync/record_kinds'
import { recordStatusLabels, type RecordStatus } from '#enums/record_status'
import Product from '#models/product'
import { toSqlDateTime } from '#models/columns'
import SyncLogService from '#services/sync_log_service'
import { Clock } from '#sync/clock'

export type StatusMoveResult = { ok: true; status: RecordStatus } | { ok: false; reason: string }

type StatusOf = Pick<AnyRecord, 'status' | 'previousStatus'>

interface Move {
  from: readonly RecordStatus[]
  to: RecordStatus | ((record: StatusOf) => RecordStatus)
  event: string
  extra?: (record: AnyRecord) => Record<string, unknown>
  /** the engine should look at this product again soon */
  wakesEngine?: boolean
}

const allBut = (excluded: RecordStatus[]) =>
  (['pending', 'processing', 'synced', 'fault', 'skipped', 'diagnostic'] as const).filter(
    (status) => !excluded.includes(status)
  )

/** The moves people make (PRODUCT.md §2); the engine's own moves live in app/sync. */
const moves = {
  resync: {
    from: ['fault', 'synced'],
    to: 'pending',
    event: 'resync',
    wakesEngine: true,
    extra: () => ({
      attempts: 0,
      next_attempt_at: null,
      fault_reason: null,
      fault_hint: null,
      needs_refresh: true,
    }),
  },
  skip: { from: allBut(['processing', 'skipped']), to: 'skipped', event: 'skipped' },
  unskip: {
    from: ['skipped'],
    to: 'pending',
    event: 'unskipped',
    wakesEngine: true,
    extra: () => ({ attempts: 0, next_attempt_at: null, fault_reason: null, fault_hint: null }),
  },
  diagnose: {
    from: allBut(['diagnostic', 'processing']),
    to: 'diagnostic',
    event: 'diagnostic.entered',
    extra: (record) => ({ previous_status: record.status }),
  },
  release: {
    from: ['diagnostic'],
    to: (record) =>
      record.previousStatus && record.previousStatus !== 'processing'
        ? record.previousStatus
        : 'pending',
    event: 'diagnostic.released',
    wakesEngine: true,
    extra: () => ({ previous_status: null }),
  },
} satisfies Record<string, Move>

export type RecordAction = keyof typeof moves

/** Where `action` takes a record in its status, or why it may not: the rule alone, nothing written. */
export function statusMove(
  action: RecordAction,
  record: StatusOf,
  label: string
): StatusMoveResult {
  const move: Move = moves[action]
  if (!move.from.includes(record.status))
    return { ok: false, reason: refusal(action, label, record.status) }
  return { ok: true, status: typeof move.to === 'function' ? move.to(record) : move.to }
}

/**
 * Status moves made by people (web, Slack, console): each is one conditional
 * UPDATE, so a move can never race the engine or a second click, and each
 * writes a log line saying who made it.
 */
@inject()
export default class RecordStatusService {
  constructor(
    protected logs: SyncLogService,
    protected clock: Clock
  ) {}

  async apply(
    kind: RecordKind,
    record: AnyRecord,
    action: RecordAction,
    actor: string
  ): Promise<StatusMoveResult> {
    const move: Move = moves[action]
    const spec = recordKinds[kind]
    const before = record.status
    const target = statusMove(action, record, spec.label)
    if (!target.ok) return target
    const to = target.status
    const now = this.clock.now()
    const changed = await db
      .from(spec.table)
      .where('id', record.id)
      .where('status', before)
      .update({ status: to, updated_at: toSqlDateTime(now), ...(move.extra?.(record) ?? {}) })
    if (Number(changed) === 0) {
      return { ok: false, reason: `The ${spec.label} changed meanwhile; reload and try again.` }
    }
    await record.refresh()
    if (move.wakesEngine) {
      await Product.query()
        .where('id', record.productId)
        .update({ sync_requested_at: toSqlDateTime(now) })
    }
    await this.logs.write({
      productId: record.productId,
      [spec.logAttribute]: record.id,
      autotaskId: record.autotaskId,
      event: `${kind}.${move.event}`,
      message: `${recordStatusLabels[before]} → ${recordStatusLabels[to]} by ${actor}`,
      actor,
    })
    return { ok: true, status: to }
  }
}

/**
 * What a resync will do, said after one (web and Slack): "updates the one it already made" only when a Xero
 * document is linked; without one the engine looks it up in Xero before creating anything.
 */
export function resyncOutcome(kind: RecordKind, record: AnyRecord): string {
  const spec = recordKinds[kind]
  const xeroId = spec.xeroIdOf(record)
  const when = 'the engine picks it up at its next check (every 10 seconds)'
  if (xeroId) {
    const number = spec.xeroNumberOf(record) || xeroId
    return `${when} and updates the Xero ${spec.xeroNounOf(record)} it already made (${number}) rather than creating a second one.`
  }
  return `${when}; it never reached Xero, so the engine first looks for it there by number and reference and creates it only if it is not there.`
}

function refusal(action: RecordAction, label: string, status: RecordStatus) {
  const shown = recordStatusLabels[status]
  switch (action) {
    case 'resync':
      return `Only a synced or faulted ${label} can be resynced; this one is ${shown}.`
    case 'skip':
      return status === 'processing'
        ? `The ${label} is being pushed right now; try again in a moment.`
        : `The ${label} is already skipped.`
    case 'unskip':
      return `Only a skipped ${label} can be unskipped; this one is ${shown}.`
    case 'diagnose':
      return `${/^[aeiou]/i.test(label) ? 'An' : 'A'} ${label} that is ${shown} cannot enter Diagnostic Mode now.`
    case 'release':
      return `The ${label} is not in Diagnostic Mode.`
  }
}
