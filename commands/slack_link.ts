import { BaseCommand, args } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import User from '#models/user'
import AccountService from '#services/account_service'
import SlackConnectionService from '#services/slack_connection_service'
import SlackLinkService from '#services/slack_link_service'
import { auditConsole } from '#services/audit_service'

/** Links a Slack user to an app user at once (the operator's way; in Slack people use `/toolbox link` and `approve`). */
export default class SlackLink extends BaseCommand {
  static commandName = 'slack:link'
  static description =
    'Link a Slack user id (U…) to the app user with this e-mail, approved at once'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: "The app user's e-mail" })
  declare email: string

  @args.string({
    description: 'The Slack user id, e.g. U0123ABCD (Slack: profile → ⋮ → Copy member ID)',
  })
  declare slackUserId: string

  async run() {
    const user = await User.findBy('email', this.email.trim().toLowerCase())
    if (!user) return this.fail(`No user with e-mail ${this.email}`)
    const account = await (await this.app.container.make(AccountService)).findOrFail(user.accountId)
    const connection = await (
      await this.app.container.make(SlackConnectionService)
    ).forAccount(account.id)
    if (!connection)
      return this.fail(
        `"${account.name}" is not connected to Slack yet: run node ace slack:connect first`
      )
    if (!/^[UW][A-Z0-9]{2,}$/.test(this.slackUserId))
      return this.fail('A Slack user id looks like U0123ABCD')
    const links = await this.app.container.make(SlackLinkService)
    const result = await links.linkDirectly(
      connection,
      account,
      user.email,
      this.slackUserId,
      'console'
    )
    if (!result.ok) return this.fail(result.reason)
    await auditConsole('slack.link_approved', {
      accountId: account.id,
      details: {
        slackUserId: this.slackUserId,
        email: result.user.email,
        workspace: connection.teamId,
      },
    })
    this.logger.success(
      `Slack user ${this.slackUserId} now acts as ${result.user.email} (${result.user.role}) in "${account.name}"`
    )
  }

  private fail(message: string) {
    this.logger.error(message)
    this.exitCode = 1
  }
}
