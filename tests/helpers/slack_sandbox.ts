import app from '@adonisjs/core/services/app'
import type { ApiClient } from '@japa/api-client'
import { DateTime } from 'luxon'
import type { SlackConfig } from '#config/slack'
import { Clock, FixedClock } from '#sync/clock'
import {
  startSlackSandbox,
  SLACK_SANDBOX_BOT_TOKEN,
  SLACK_SANDBOX_APP_TOKEN,
  SLACK_SANDBOX_TEAM,
  type SlackSandbox,
} from '#sandbox/slack/index'
import SlackConnection from '#models/slack_connection'
import SlackUserLink from '#models/slack_user_link'
import type User from '#models/user'
import { UserFactory } from '#database/factories/user_factory'
import { slackSignatureHeaders } from '#slack/signature'

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef'

/**
 * The Slack sandbox on a free port with the app's Slack API URL pointed at it,
 * and a fixed clock in the container. `restore()` puts both back.
 */
export async function startSlackForTest(overrides: Partial<SlackConfig> = {}) {
  const sandbox = await startSlackSandbox({ port: 0 })
  const before = { ...app.config.get<SlackConfig>('slack') }
  app.config.set('slack', {
    ...before,
    apiUrl: sandbox.apiUrl,
    appUrl: 'http://toolbox.test',
    ...overrides,
  })
  const clock = new FixedClock(DateTime.utc().startOf('second'))
  app.container.swap(Clock, () => clock)
  return {
    sandbox,
    clock,
    async restore() {
      app.container.restore(Clock)
      app.config.set('slack', before)
      await sandbox.close()
    },
  }
}

/** An account's Slack installation on the sandbox workspace. */
export async function slackInstallation(accountId: number, signingSecret = TEST_SIGNING_SECRET) {
  return SlackConnection.create({
    accountId,
    teamId: SLACK_SANDBOX_TEAM.teamId,
    teamName: SLACK_SANDBOX_TEAM.teamName,
    botUserId: SLACK_SANDBOX_TEAM.botUserId,
    botId: SLACK_SANDBOX_TEAM.botId,
    botToken: SLACK_SANDBOX_BOT_TOKEN,
    signingSecret,
  })
}

let slackIds = 0

/** A user of the installation's account, linked (approved) to a fresh Slack user id. */
export async function linkedUser(
  connection: SlackConnection,
  role: 'owner' | 'admin' | 'viewer' = 'admin'
) {
  const user: User = await UserFactory.merge({ accountId: connection.accountId, role }).create()
  const slackUserId = `U0TEST${String(++slackIds).padStart(4, '0')}`
  await SlackUserLink.create({
    slackConnectionId: connection.id,
    slackUserId,
    slackUserName: user.email.split('@')[0],
    userId: user.id,
    status: 'active',
    approvedBy: 'test',
    approvedAt: DateTime.utc(),
  })
  return { user, slackUserId }
}

interface SignOptions {
  secret?: string
  /** seconds since the epoch; the fixed clock's now by default */
  timestamp?: number
  signature?: string
}

/** Sends a raw form body to a Slack route, signed as Slack signs it (or as told). */
export async function sendSigned(
  client: ApiClient,
  path: string,
  rawBody: string,
  clock: Clock,
  options: SignOptions = {}
) {
  const timestamp = options.timestamp ?? Math.floor(clock.now().toSeconds())
  const headers = slackSignatureHeaders(options.secret ?? TEST_SIGNING_SECRET, rawBody, timestamp)
  return client
    .post(path)
    .header('x-slack-request-timestamp', headers['x-slack-request-timestamp'])
    .header('x-slack-signature', options.signature ?? headers['x-slack-signature'])
    .type('application/x-www-form-urlencoded')
    .unsafeForm(rawBody)
}

/** The form body of `/toolbox <text>` from this Slack user. */
export function commandBody(
  text: string,
  slackUserId: string,
  sandbox: SlackSandbox,
  teamId = SLACK_SANDBOX_TEAM.teamId
) {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: teamId,
    team_domain: 'sandbox',
    channel_id: 'C0ALERTS',
    channel_name: 'billing-alerts',
    user_id: slackUserId,
    user_name: 'someone',
    command: '/toolbox',
    text,
    api_app_id: 'A0TOOLBOX',
    response_url: sandbox.responseUrl(),
    trigger_id: '1.2.3',
  }).toString()
}

/** The form body of a click on a button of a posted alert message. */
export function buttonBody(
  sandbox: SlackSandbox,
  slackUserId: string,
  message: { channel: string; ts: string },
  action: { action_id: string; value?: string; block_id?: string }
) {
  const payload = {
    type: 'block_actions',
    team: { id: SLACK_SANDBOX_TEAM.teamId, domain: 'sandbox' },
    user: { id: slackUserId, username: 'someone', team_id: SLACK_SANDBOX_TEAM.teamId },
    api_app_id: 'A0TOOLBOX',
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: message.channel,
      is_ephemeral: false,
    },
    trigger_id: '1.2.3',
    channel: { id: message.channel, name: 'billing-alerts' },
    message: { type: 'message', ts: message.ts, text: 'alert' },
    response_url: sandbox.responseUrl(),
    actions: [
      {
        type: 'button',
        block_id: action.block_id ?? 'record',
        action_ts: '1.2',
        text: { type: 'plain_text', text: 'x' },
        ...action,
      },
    ],
  }
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
}

/** Every button element of a Block Kit message. */
export function buttonsOf(blocks: unknown[] | null) {
  return (blocks ?? []).flatMap((block: any) =>
    block.type === 'actions' ? block.elements : []
  ) as {
    action_id: string
    value?: string
    url?: string
    text: { text: string }
  }[]
}

/** All the text of a Block Kit message, for assertions. */
export function textOf(message: { text: string | null; blocks: unknown[] | null }) {
  return [message.text ?? '', JSON.stringify(message.blocks ?? [])].join('\n')
}

export type SlackMode = 'http' | 'socket'
/** The command and alert tests run in both modes (issue 15 §4). */
export const slackModes: SlackMode[] = ['http', 'socket']

/** Socket Mode on the sandbox: the app token configured and the socket held (stop it after). */
export async function startSocketMode(sandbox: SlackSandbox) {
  const { SlackSocketHolder } = await import('#slack/socket_mode')
  const holder = new SlackSocketHolder(SLACK_SANDBOX_APP_TOKEN)
  if (!(await holder.tryStart())) throw new Error('the Slack socket lock is held elsewhere')
  if (sandbox.openSockets() !== 1) throw new Error('the app did not open its socket to the sandbox')
  return holder
}

/**
 * `/toolbox <text>` as Slack sends it: a signed HTTP post, or an envelope down
 * the socket. Either way, the answer the Slack user sees.
 */
export async function sendCommand(
  mode: SlackMode,
  client: ApiClient,
  slack: { sandbox: SlackSandbox; clock: Clock },
  text: string,
  slackUserId: string
) {
  const body = commandBody(text, slackUserId, slack.sandbox)
  if (mode === 'socket') {
    const ack = await slack.sandbox.deliver(
      'slash_commands',
      Object.fromEntries(new URLSearchParams(body))
    )
    if (!ack) throw new Error('the app did not acknowledge the command within 3 seconds')
    return ack.payload as { response_type: string; text: string }
  }
  const response = await sendSigned(client, '/slack/commands', body, slack.clock)
  response.assertStatus(200)
  return response.body() as { response_type: string; text: string }
}

/** A click on a button of a posted alert, as Slack sends it in either mode; resolves once it is handled. */
export async function sendClick(
  mode: SlackMode,
  client: ApiClient,
  slack: { sandbox: SlackSandbox; clock: Clock },
  socket: { settled(): Promise<void> } | null,
  slackUserId: string,
  message: { channel: string; ts: string },
  action: { action_id: string; value?: string }
) {
  const body = buttonBody(slack.sandbox, slackUserId, message, action)
  if (mode === 'socket') {
    const payload = JSON.parse(new URLSearchParams(body).get('payload')!)
    const ack = await slack.sandbox.deliver('interactive', payload)
    if (!ack) throw new Error('the app did not acknowledge the click within 3 seconds')
    await socket!.settled()
    return
  }
  const response = await sendSigned(client, '/slack/actions', body, slack.clock)
  response.assertStatus(200)
}
