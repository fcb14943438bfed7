import env from '#start/env'

/** The audit trail (issue 15 §2). */
export interface AuditConfig {
  /** rows older than this many days are pruned by the scheduler */
  retentionDays: number
}

const auditConfig: AuditConfig = {
  retentionDays: env.get('AUDIT_RETENTION_DAYS', 400),
}

export default auditConfig
