import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import SlackConnectionService from '#services/slack_connection_service'
import SlackLinkService from '#services/slack_link_service'
import type { SlackConfig } from '#config/slack'
import { slackSignatureHeaders } from '#slack/signature'

/** Prints a curl command that sends a correctly signed `/toolbox` request to this app, for the demo and the README. */
export default class SlackSign extends BaseCommand {
  static commandName = 'slack:sign'
  static description =
    'Print a ready-to-run curl command sending a signed /toolbox request to the app'
  static options: CommandOptions = { startApp: true }

  @args.string({
    description: 'The command text, e.g. "status" or "sync now Contoso"',
    required: false,
  })
  declare text?: string

  @flags.string({ description: 'Slack user id to send as (default: the first linked user)' })
  declare user?: string

  @flags.number({ description: 'Connection of this account id (default: the first installation)' })
  declare account?: number

  async run() {
    const connections = await this.app.container.make(SlackConnectionService)
    const connection = this.account
      ? await connections.forAccount(this.account)
      : ((await connections.candidatesFor(null))[0] ?? null)
    if (!connection) {
      this.logger.error('No Slack installation yet: run node ace slack:connect first')
      this.exitCode = 1
      return
    }
    const linked = await (await this.app.container.make(SlackLinkService)).firstActive(connection)
    const userId = this.user ?? linked?.slackUserId ?? 'U0DEMO'
    const config = this.app.config.get<SlackConfig>('slack')
    const base = config.appUrl.replace(/\/+$/, '')
    const body = new URLSearchParams({
      token: 'unused',
      team_id: connection.teamId,
      team_domain: 'demo',
      channel_id: 'C0ALERTS',
      channel_name: 'billing-alerts',
      user_id: userId,
      user_name: linked?.slackUserName ?? 'demo',
      command: '/toolbox',
      text: this.text ?? 'help',
      response_url: `${base}/slack/response-not-used`,
      trigger_id: `${Date.now()}.demo`,
    }).toString()
    const headers = slackSignatureHeaders(connection.signingSecret, body)
    const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`
    this.logger.log(
      [
        `curl -sS -X POST ${quote(`${base}/slack/commands`)}`,
        `  -H 'content-type: application/x-www-form-urlencoded'`,
        `  -H ${quote(`x-slack-request-timestamp: ${headers['x-slack-request-timestamp']}`)}`,
        `  -H ${quote(`x-slack-signature: ${headers['x-slack-signature']}`)}`,
        `  --data-raw ${quote(body)}`,
      ].join(' \\\n')
    )
    this.logger.info('Valid for 5 minutes and once only (replays are refused).')
  }
}
