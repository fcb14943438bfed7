import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import { App as BoltApp } from '@slack/bolt'
import type SlackConnection from '#models/slack_connection'
import { AdonisReceiver } from '#slack/adonis_receiver'
import { BoltLogger } from '#slack/bolt_logger'
import { slackClientOptions } from '#integrations/slack/web_api_slack_client'
import { ACTION_OPEN, ACTION_RESYNC, ACTION_SKIP } from '#integrations/slack/messages'
import SlackCommandHandler from '#slack/command_handler'
import SlackActionHandler from '#slack/action_handler'

/** The installation a verified request came from, handed to listeners through Bolt's context. */
export interface ToolboxContext {
  toolboxConnection: SlackConnection
}

const bots = new Map<number, { key: string; receiver: AdonisReceiver }>()

/**
 * One Bolt app per installation (its own bot token), built on first use and
 * rebuilt when the installation or the API URL changes.
 */
export function receiverFor(connection: SlackConnection) {
  const options = slackClientOptions()
  const key = `${connection.updatedAt.toMillis()}|${options.slackApiUrl}`
  const cached = bots.get(connection.id)
  if (cached?.key === key) return cached.receiver
  const receiver = new AdonisReceiver()
  const bolt = new BoltApp({
    receiver,
    token: connection.botToken,
    botUserId: connection.botUserId ?? undefined,
    botId: connection.botId ?? undefined,
    tokenVerificationEnabled: false,
    logger: new BoltLogger(),
    clientOptions: { ...options, logger: new BoltLogger() },
  })
  bolt.error(async (error) => {
    logger.error({ err: error }, 'slack: a listener failed')
  })
  registerListeners(bolt)
  bots.set(connection.id, { key, receiver })
  return receiver
}

/** The commands and buttons every Bolt app of ours answers, over HTTP or Socket Mode alike. */
export function registerListeners(bolt: BoltApp) {
  bolt.command(/.+/, async ({ command, ack, context }) => {
    const handler = await app.container.make(SlackCommandHandler)
    const answer = await handler.handle((context as unknown as ToolboxContext).toolboxConnection, {
      slackUserId: command.user_id,
      slackUserName: command.user_name ?? null,
      command: command.command,
      text: command.text ?? '',
    })
    await ack(answer)
  })

  for (const actionId of [ACTION_RESYNC, ACTION_SKIP]) {
    bolt.action(actionId, async ({ ack, action, body, respond, context }) => {
      await ack()
      const handler = await app.container.make(SlackActionHandler)
      const answer = await handler.handle(
        (context as unknown as ToolboxContext).toolboxConnection,
        {
          slackUserId: body.user.id,
          actionId,
          value: 'value' in action ? (action.value as string | undefined) : undefined,
        }
      )
      if (answer.ephemeral)
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: answer.ephemeral,
        })
    })
  }

  bolt.action(ACTION_OPEN, async ({ ack }) => {
    await ack()
  })
}
