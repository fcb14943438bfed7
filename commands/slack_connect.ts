import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import Account from '#models/account'
import SlackConnectionService from '#services/slack_connection_service'
import { auditConsole } from '#services/audit_service'

/** Installs the account's Slack bot: the token is checked with Slack (auth.test) and both secrets are stored encrypted. */
export default class SlackConnect extends BaseCommand {
  static commandName = 'slack:connect'
  static description =
    'Connect an account to its Slack app (bot token and signing secret, stored encrypted)'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Account name' })
  declare account: string

  @flags.string({ description: 'Bot token (xoxb-…); asked for when omitted', alias: 't' })
  declare token?: string

  @flags.string({ description: 'Signing secret; asked for when omitted', alias: 's' })
  declare signingSecret?: string

  async run() {
    const account = await Account.findBy('name', this.account)
    if (!account) {
      this.logger.error(`No account named "${this.account}"`)
      this.exitCode = 1
      return
    }
    const interactive = process.stdin.isTTY && !this.app.inTest
    const botToken =
      this.token ?? (interactive ? await this.prompt.secure('Bot token (xoxb-…)') : '') ?? ''
    const signingSecret =
      this.signingSecret ?? (interactive ? await this.prompt.secure('Signing secret') : '') ?? ''
    const service = await this.app.container.make(SlackConnectionService)
    const result = await service.connect(account, { botToken, signingSecret })
    if (!result.ok) {
      this.logger.error(result.reason)
      this.exitCode = 1
      return
    }
    await auditConsole('slack.connected', {
      accountId: account.id,
      details: { workspace: result.connection.teamId, botToken: botToken, signingSecret },
    })
    this.logger.success(
      `"${account.name}" is connected to Slack workspace ${result.connection.teamName ?? ''} (${result.connection.teamId})`
    )
    this.logger.info(
      "Point the app's slash command, interactivity and events URLs at <APP_URL>/slack/events"
    )
  }
}
