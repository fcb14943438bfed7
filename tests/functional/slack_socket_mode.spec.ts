import { test } from '@japa/runner'
import { webApi } from '@slack/bolt'
import { resetDatabase } from '#tests/helpers/database'
import {
  linkedUser,
  sendCommand,
  slackInstallation,
  startSlackForTest,
} from '#tests/helpers/slack_sandbox'
import { AccountFactory } from '#database/factories/account_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { SlackSocketHolder } from '#slack/socket_mode'
import { SLACK_SANDBOX_APP_TOKEN, SLACK_SANDBOX_BOT_TOKEN } from '#sandbox/slack/index'
import AuditEvent from '#models/audit_event'
import { until } from '#tests/helpers/until'

type Slack = Awaited<ReturnType<typeof startSlackForTest>>

test.group('Slack Socket Mode', (group) => {
  let slack: Slack
  const holders: SlackSocketHolder[] = []
  group.each.setup(async () => {
    await resetDatabase()
    slack = await startSlackForTest()
    return async () => {
      for (const made of holders.splice(0)) await made.stop()
      await slack.restore()
    }
  })

  function holder() {
    const made = new SlackSocketHolder(SLACK_SANDBOX_APP_TOKEN)
    holders.push(made)
    return made
  }

  test('one socket across processes; a standby takes over when the holder goes', async ({
    client,
    assert,
  }) => {
    const account = await AccountFactory.create()
    const connection = await slackInstallation(account.id)
    const { slackUserId } = await linkedUser(connection, 'admin')
    const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso' }).create()

    const first = holder()
    const second = holder()
    assert.isTrue(await first.tryStart())
    assert.isFalse(await second.tryStart())
    assert.equal(slack.sandbox.openSockets(), 1)
    assert.equal(slack.sandbox.state.socketOpens, 1)

    await first.stop()
    assert.isTrue(await second.tryStart())
    assert.equal(slack.sandbox.state.socketOpens, 2)

    const answer = await sendCommand('socket', client, slack, 'resume Contoso', slackUserId)
    assert.include(answer.text, 'Contoso is Active')
    await product.refresh()
    assert.equal(product.status, 'active')
    const [delivery] = slack.sandbox.state.deliveries
    assert.equal(delivery.type, 'slash_commands')
    assert.deepEqual(delivery.ack, { payload: answer })
    const row = await AuditEvent.findByOrFail('action', 'product.resumed')
    assert.equal(row.face, 'slack')
    assert.equal(row.slackTeamId, connection.teamId)
  })

  test('Slack asks for a fresh connection: the holder reconnects and commands still arrive', async ({
    client,
    assert,
  }) => {
    const account = await AccountFactory.create()
    const connection = await slackInstallation(account.id)
    const { slackUserId } = await linkedUser(connection, 'admin')
    await ProductFactory.merge({ accountId: account.id, name: 'Contoso' }).create()
    const only = holder()
    assert.isTrue(await only.tryStart())
    assert.equal(slack.sandbox.state.socketOpens, 1)

    slack.sandbox.disconnect('refresh_requested')

    // A new socket from a new apps.connections.open, and the old one gone: still exactly one.
    assert.isTrue(await until(() => slack.sandbox.state.socketOpens === 2, { timeoutMs: 15_000 }))
    assert.isTrue(await until(() => slack.sandbox.openSockets() === 1, { timeoutMs: 5_000 }))
    const answer = await sendCommand('socket', client, slack, 'resume Contoso', slackUserId)
    assert.include(answer.text, 'Contoso is Active')
  }).timeout(30_000)

  test('the sandbox opens sockets only for an app-level token, over POST', async ({ assert }) => {
    const withBot = new webApi.WebClient(SLACK_SANDBOX_BOT_TOKEN, {
      slackApiUrl: slack.sandbox.apiUrl,
      retryConfig: { retries: 0 },
    })
    await assert.rejects(() => withBot.apps.connections.open({}), /not_allowed_token_type/)
    const withApp = new webApi.WebClient(SLACK_SANDBOX_APP_TOKEN, {
      slackApiUrl: slack.sandbox.apiUrl,
      retryConfig: { retries: 0 },
    })
    const opened = await withApp.apps.connections.open({})
    assert.match(String(opened.url), /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/)
  })

  test('an envelope nobody acknowledges within 3 seconds is reported as such', async ({
    assert,
  }) => {
    // No holder: nothing is connected, so the delivery cannot be acknowledged.
    const ack = await slack.sandbox.deliver('slash_commands', { command: '/toolbox' })
    assert.isNull(ack)
    assert.isNull(slack.sandbox.state.deliveries[0].ack)
  })
})
