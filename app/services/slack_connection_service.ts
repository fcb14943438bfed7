import { inject } from '@adonisjs/core'
import type Account from '#models/account'
import SlackConnection from '#models/slack_connection'
import { SlackClient, SlackError } from '#integrations/slack/slack_client'

export type SlackConnectResult =
  { ok: true; connection: SlackConnection } | { ok: false; reason: string }

/** An account's Slack installation: connecting a bot (checked with auth.test) and finding it again. */
@inject()
export default class SlackConnectionService {
  constructor(protected slack: SlackClient) {}

  /** Stores (or replaces) the account's bot token and signing secret once Slack accepts the token. */
  async connect(
    account: Account,
    input: { botToken: string; signingSecret: string }
  ): Promise<SlackConnectResult> {
    const botToken = input.botToken.trim()
    const signingSecret = input.signingSecret.trim()
    if (!botToken.startsWith('xoxb-'))
      return { ok: false, reason: 'A bot token starts with "xoxb-".' }
    if (signingSecret.length < 16)
      return { ok: false, reason: 'The signing secret looks too short.' }
    let identity
    try {
      identity = await this.slack.identify(botToken)
    } catch (error) {
      if (!(error instanceof SlackError)) throw error
      return { ok: false, reason: `Slack did not accept the token (${error.message}).` }
    }
    const values = { ...identity, botToken, signingSecret }
    const connection = await SlackConnection.updateOrCreate({ accountId: account.id }, values)
    return { ok: true, connection }
  }

  async forAccount(accountId: number) {
    return SlackConnection.findBy('account_id', accountId)
  }

  /**
   * The installations a request may come from: those of its workspace, or every
   * one when the body names no workspace (Slack's URL check). The signature decides.
   */
  async candidatesFor(teamId: string | null) {
    const query = SlackConnection.query().orderBy('id')
    if (teamId) query.where('team_id', teamId)
    return query
  }
}
