import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import SyncLog from '#models/sync_log'
import type { LogLevel } from '#enums/sync'
import { toSqlDateTime } from '#models/columns'

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
  async writeMany(lines: LogLineInput[], client?: TransactionClientContract) {
    await SyncLogService.insert(lines, client)
  }

  /** One multi-row INSERT, inside the caller's transaction when given. */
  static async insert(lines: LogLineInput[], client?: TransactionClientContract) {
    if (lines.length === 0) return
    const createdAt = toSqlDateTime()
    const rows = lines.map((line) => {
      const full = withDefaults(line)
      return {
        product_id: full.productId,
        sync_run_id: full.syncRunId,
        invoice_record_id: full.invoiceRecordId,
        purchase_order_record_id: full.purchaseOrderRecordId,
        autotask_id: full.autotaskId,
        level: full.level,
        event: full.event,
        message: full.message,
        actor: full.actor,
        created_at: createdAt,
      }
    })
    await (client ?? db).table('sync_logs').multiInsert(rows)
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
