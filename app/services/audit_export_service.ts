import type AuditEvent from '#models/audit_event'
import { auditActions, type AuditAction } from '#services/audit_service'
import type { ExportColumn, ExportSheet } from '#services/record_export_service'

const columns: ExportColumn<AuditEvent>[] = [
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
export const auditExportSheet: ExportSheet<AuditEvent> = { sheet: 'Audit trail', columns }
