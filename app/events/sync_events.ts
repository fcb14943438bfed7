import type { RecordKind } from '#sync/record_kinds'
import type { SyncRunStats } from '#models/sync_run'

/*
| What the sync engine announces. The Slack bot and the dashboard badge listen;
| the engine never knows who does. Payloads carry ids, not models, so a listener
| always reads the record as it is now.
*/

/** A record (invoice or purchase order) moved to `fault`. */
export interface RecordFaulted {
  kind: RecordKind
  recordId: number
  productId: number
  syncRunId: number | null
  reason: string
  hint: string | null
}

/** A record reached Xero (created or updated). */
export interface RecordSynced {
  kind: RecordKind
  recordId: number
  productId: number
  syncRunId: number | null
  xeroId: string
}

/** A sync run ended, however it ended. */
export interface SyncRunFinished {
  runId: number
  productId: number
  state: 'succeeded' | 'failed' | 'cancelled' | 'waiting'
  stats: SyncRunStats
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'record:faulted': RecordFaulted
    'record:synced': RecordSynced
    'sync_run:finished': SyncRunFinished
  }
}
