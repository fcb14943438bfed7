import { PassThrough, Readable, pipeline } from 'node:stream'
import { stringify } from 'csv-stringify'
import type AuditEvent from '#models/audit_event'
import { auditActions, type AuditAction } from '#services/audit_service'

interface Column {
  header: string
  value: (event: AuditEvent) => string | number | null
}

const columns: Column[] = [
  { header: 'When (UTC)', value: (e) => e.occurredAt.toUTC().toFormat('yyyy-LL-dd HH:mm:ss') },
  { header: 'Account ID', value: (e) => e.accountId },
  { header: 'Who', value: (e) => e.actorLabel },
  { header: 'From', value: (e) => e.face },
  { header: 'IP address', value: (e) => e.ip },
  { header: 'Slack workspace', value: (e) => e.slackTeamId },
  { header: 'Host', value: (e) => e.host },
  { header: 'Action', value: (e) => auditActions[e.action as AuditAction] ?? e.action },
  { header: 'Product', value: (e) => e.productName },
  {
    header: 'Record',
    value: (e) => (e.recordKind ? `${e.recordKind} ${e.recordLabel ?? e.recordId}` : null),
  },
  { header: 'Details', value: (e) => (e.details ? JSON.stringify(e.details) : null) },
]

/**
 * The Audit page's exports, streamed like the record exports: RFC 4180 with a BOM,
 * formulas neutralised (CSV injection, https://owasp.org/www-community/attacks/CSV_Injection).
 */
export default class AuditExportService {
  csv(rows: AsyncIterable<AuditEvent>): Readable {
    async function* records() {
      yield columns.map((c) => c.header)
      for await (const event of rows) yield columns.map((c) => c.value(event))
    }
    const options = { bom: true, record_delimiter: 'windows' as const, escape_formulas: true }
    return pipeline(Readable.from(records()), stringify(options), () => {})
  }

  xlsx(rows: AsyncIterable<AuditEvent>): Readable {
    const output = new PassThrough()
    ;(async () => {
      const { default: ExcelJS } = await import('exceljs')
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
        stream: output,
        useStyles: false,
        useSharedStrings: false,
      })
      const sheet = workbook.addWorksheet('Audit trail')
      sheet.columns = columns.map((c) => ({ header: c.header, width: 20 }))
      for await (const event of rows) {
        if (output.destroyed) return
        sheet.addRow(columns.map((c) => c.value(event))).commit()
      }
      sheet.commit()
      await workbook.commit()
    })().catch((error) => output.destroy(error))
    return output
  }
}
