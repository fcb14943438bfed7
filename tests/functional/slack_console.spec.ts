import { test } from '@japa/runner'
import ace from '@adonisjs/core/services/ace'
import { resetDatabase } from '#tests/helpers/database'
import { linkedUser, slackInstallation, startSlackForTest } from '#tests/helpers/slack_sandbox'
import { SLACK_SANDBOX_BOT_TOKEN, SLACK_SANDBOX_TEAM } from '#sandbox/slack/index'
import { AccountFactory } from '#database/factories/account_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { UserFactory } from '#database/factories/user_factory'
import SlackConnection from '#models/slack_connection'
import SlackUserLink from '#models/slack_user_link'
import SlackConnect from '#commands/slack_connect'
import SlackLink from '#commands/slack_link'
import SlackSign from '#commands/slack_sign'
import SlackFlush from '#commands/slack_flush'
import db from '@adonisjs/lucid/services/db'

type Slack = Awaited<ReturnType<typeof startSlackForTest>>

test.group('Slack console commands', (group) => {
  let slack: Slack
  group.each.setup(async () => {
    await resetDatabase()
    slack = await startSlackForTest()
    return () => slack.restore()
  })
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  test('slack:connect checks the token with Slack and stores both secrets encrypted', async ({
    assert,
  }) => {
    const account = await AccountFactory.merge({ name: 'Contoso MSP' }).create()
    const command = await ace.create(SlackConnect, [
      'Contoso MSP',
      `--token=${SLACK_SANDBOX_BOT_TOKEN}`,
      '--signing-secret=0123456789abcdef0123',
    ])
    await command.exec()
    command.assertSucceeded()
    const connection = await SlackConnection.findByOrFail('account_id', account.id)
    assert.equal(connection.teamId, SLACK_SANDBOX_TEAM.teamId)
    assert.equal(connection.botUserId, SLACK_SANDBOX_TEAM.botUserId)
    assert.equal(connection.botToken, SLACK_SANDBOX_BOT_TOKEN)
    const row = await db.from('slack_connections').where('id', connection.id).firstOrFail()
    assert.notInclude(row.bot_token, 'xoxb-')
    assert.notInclude(row.signing_secret, '0123456789abcdef0123')
    assert.notProperty(connection.serialize(), 'botToken')
    assert.notProperty(connection.serialize(), 'signingSecret')

    const refused = await ace.create(SlackConnect, [
      'Contoso MSP',
      '--token=xoxb-wrong',
      '--signing-secret=0123456789abcdef0123',
    ])
    await refused.exec()
    refused.assertFailed()
    assert.equal(
      (await SlackConnection.findByOrFail('account_id', account.id)).botToken,
      SLACK_SANDBOX_BOT_TOKEN
    )
  })

  test('slack:link links a Slack user to an app user of the connected account', async ({
    assert,
  }) => {
    const account = await AccountFactory.create()
    await slackInstallation(account.id)
    const user = await UserFactory.merge({
      accountId: account.id,
      email: 'ops@example.com',
    }).create()
    const command = await ace.create(SlackLink, ['ops@example.com', 'U0OPS123'])
    await command.exec()
    command.assertSucceeded()
    const link = await SlackUserLink.findByOrFail('slack_user_id', 'U0OPS123')
    assert.equal(link.userId, user.id)
    assert.equal(link.status, 'active')
  })

  test('slack:sign prints a curl command whose request the app accepts', async ({
    client,
    assert,
  }) => {
    const account = await AccountFactory.create()
    const connection = await slackInstallation(account.id)
    const { slackUserId } = await linkedUser(connection, 'viewer')
    await ProductFactory.merge({ accountId: account.id, name: 'Contoso' }).create()
    const command = await ace.create(SlackSign, ['status'])
    await command.exec()
    command.assertSucceeded()
    const curl = command.logger.getLogs()[0].message
    const header = (name: string) => curl.match(new RegExp(`'${name}: ([^']+)'`))![1]
    const body = curl.match(/--data-raw '([^']+)'/)![1]
    assert.include(body, `user_id=${slackUserId}`)
    const response = await client
      .post('/slack/commands')
      .header('x-slack-request-timestamp', header('x-slack-request-timestamp'))
      .header('x-slack-signature', header('x-slack-signature'))
      .type('application/x-www-form-urlencoded')
      .unsafeForm(body)
    response.assertStatus(200)
    assert.include(response.body().text, '*Contoso* — Paused')
  })

  test('slack:flush reports what it delivered', async () => {
    const command = await ace.create(SlackFlush, [])
    await command.exec()
    command.assertSucceeded()
    command.assertLog(
      '[ blue(info) ] Slack outbox: 0 posted, 0 updated, 0 deferred, 0 to retry, 0 dropped'
    )
  })
})
