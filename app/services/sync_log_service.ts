import SyncLog from '#models/sync_log'
import type { LogLevel } from '#enums/sync'

export interface LogLineInput {
  productId: number
  event: string
  message: string
  level?: LogLevel
  syncRunId?: number | null
  invoiceRecordId?: number | null
  purchaseOrderRecordId?: number | null
  autotaskId?: number | null
  /** who or what did it: a user's e-mail, "worker", "slack:U123" */
  actor?: string | null
}

/** Writes the raw sync log: every step and every status move, with the ids a person searches for. */
export default class SyncLogService {
  async write(line: LogLineInput) {
    return SyncLog.create(withDefaults(line))
  }

  /** Many lines in one insert (a page of discovered invoices, a batch of results). */
  async writeMany(lines: LogLineInput[]) {
    if (lines.length === 0) return []
    return SyncLog.createMany(lines.map(withDefaults))
  }
}

function withDefaults(line: LogLineInput) {
  return {
    level: 'info' as const,
    syncRunId: null,
    invoiceRecordId: null,
    purchaseOrderRecordId: null,
    autotaskId: null,
    actor: null,
    ...line,
  }
}
