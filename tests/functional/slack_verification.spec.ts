import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import {
  commandBody,
  linkedUser,
  sendSigned,
  slackInstallation,
  startSlackForTest,
  TEST_SIGNING_SECRET,
} from '#tests/helpers/slack_sandbox'
import { slackSignatureHeaders } from '#slack/signature'
import { AccountFactory } from '#database/factories/account_factory'
import { ProductFactory } from '#database/factories/product_factory'
import Product from '#models/product'
import SyncLog from '#models/sync_log'
import { assertRecordStatus } from '#tests/helpers/assertions'

type Slack = Awaited<ReturnType<typeof startSlackForTest>>

test.group('Slack request verification', (group) => {
  let slack: Slack
  group.each.setup(async () => {
    await resetDatabase()
    slack = await startSlackForTest()
    return () => slack.restore()
  })

  async function pausable() {
    const account = await AccountFactory.create()
    const connection = await slackInstallation(account.id)
    const { slackUserId } = await linkedUser(connection)
    const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso' })
      .apply('active')
      .create()
    return { product, body: commandBody('pause Contoso', slackUserId, slack.sandbox) }
  }

  async function assertUntouched(assert: any, product: Product) {
    await assertRecordStatus(product, 'active')
    assert.lengthOf(await SyncLog.all(), 0)
  }

  test('a correctly signed request is served without a CSRF token', async ({ client }) => {
    const { product, body } = await pausable()
    const response = await sendSigned(client, '/slack/commands', body, slack.clock)
    response.assertStatus(200)
    await assertRecordStatus(product, 'paused')
  })

  test('a wrong signature gets 401 and does nothing', async ({ client, assert }) => {
    const { product, body } = await pausable()
    const response = await sendSigned(client, '/slack/commands', body, slack.clock, {
      secret: 'someone-elses-secret-0123456789',
    })
    response.assertStatus(401)
    await assertUntouched(assert, product)
  })

  test('a body changed after signing gets 401', async ({ client, assert }) => {
    const { product, body } = await pausable()
    const headers = slackSignatureHeaders(
      TEST_SIGNING_SECRET,
      body.replace('pause', 'status'),
      Math.floor(slack.clock.now().toSeconds())
    )
    const response = await sendSigned(client, '/slack/commands', body, slack.clock, {
      signature: headers['x-slack-signature'],
    })
    response.assertStatus(401)
    await assertUntouched(assert, product)
  })

  test('a missing signature gets 401', async ({ client, assert }) => {
    const { product, body } = await pausable()
    const response = await client
      .post('/slack/commands')
      .type('application/x-www-form-urlencoded')
      .unsafeForm(body)
    response.assertStatus(401)
    await assertUntouched(assert, product)
  })

  test('a stale timestamp (older than five minutes) gets 401, even correctly signed', async ({
    client,
    assert,
  }) => {
    const { product, body } = await pausable()
    const stale = Math.floor(slack.clock.now().toSeconds()) - 301
    const response = await sendSigned(client, '/slack/commands', body, slack.clock, {
      timestamp: stale,
    })
    response.assertStatus(401)
    await assertUntouched(assert, product)

    const recent = Math.floor(slack.clock.now().toSeconds()) - 290
    ;(
      await sendSigned(client, '/slack/commands', body, slack.clock, { timestamp: recent })
    ).assertStatus(200)
  })

  test('a replayed request gets 401 and is not acted on twice', async ({ client, assert }) => {
    const { product, body } = await pausable()
    const timestamp = Math.floor(slack.clock.now().toSeconds())
    ;(await sendSigned(client, '/slack/commands', body, slack.clock, { timestamp })).assertStatus(
      200
    )
    await Product.query().where('id', product.id).update({ status: 'active' })
    const replay = await sendSigned(client, '/slack/commands', body, slack.clock, { timestamp })
    replay.assertStatus(401)
    await assertRecordStatus(product, 'active')
    assert.lengthOf(await SyncLog.query().where('event', 'product.paused'), 1)
  })

  test('a signed but malformed payload gets a clear ephemeral answer and changes nothing', async ({
    client,
    assert,
  }) => {
    const { product } = await pausable()
    for (const body of [
      'payload=%7Bnot-json',
      'payload=%5B1%2C2%5D',
      'hello=world',
      'command=%2Ftoolbox&text=pause+Contoso',
    ]) {
      const response = await sendSigned(client, '/slack/actions', body, slack.clock)
      response.assertStatus(200)
      assert.equal(response.body().response_type, 'ephemeral')
      assert.include(response.body().text, 'could not read that request')
    }
    await assertUntouched(assert, product)
  })

  test("Slack's URL check is answered with the challenge once signed", async ({
    client,
    assert,
  }) => {
    await pausable()
    const body = JSON.stringify({ token: 't', challenge: 'c-123', type: 'url_verification' })
    const headers = slackSignatureHeaders(
      TEST_SIGNING_SECRET,
      body,
      Math.floor(slack.clock.now().toSeconds())
    )
    const response = await client
      .post('/slack/events')
      .headers(headers)
      .type('application/json')
      .unsafeJson(body)
    response.assertStatus(200)
    assert.deepEqual(response.body(), { challenge: 'c-123' })
  })
})
