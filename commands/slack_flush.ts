import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import SlackAlertService from '#services/slack_alert_service'

/** Posts and updates every Slack alert that is due (the worker does this every tick). */
export default class SlackFlush extends BaseCommand {
  static commandName = 'slack:flush'
  static description = 'Deliver due Slack fault alerts and message updates from the outbox'
  static options: CommandOptions = { startApp: true }

  async run() {
    const report = await (await this.app.container.make(SlackAlertService)).flush()
    this.logger.info(
      `Slack outbox: ${report.posted} posted, ${report.updated} updated, ${report.deferred} deferred, ${report.failed} to retry, ${report.dropped} dropped`
    )
  }
}
