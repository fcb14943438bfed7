import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import AuditService from '#services/audit_service'

/** Retention of the audit trail (AUDIT_RETENTION_DAYS, 400 by default); the scheduler runs it daily. */
export default class AuditPrune extends BaseCommand {
  static commandName = 'audit:prune'
  static description = 'Delete audit trail rows older than AUDIT_RETENTION_DAYS (default 400)'
  static options: CommandOptions = { startApp: true }

  async run() {
    const { cutoff, deleted } = await (await this.app.container.make(AuditService)).prune()
    this.logger.success(`${deleted} audit row(s) older than ${cutoff.toISODate()} deleted.`)
  }
}
