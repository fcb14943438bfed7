import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import emitter from '@adonisjs/core/services/emitter'
import { resetDatabase } from '#tests/helpers/database'
import { assertLogged, assertRecordStatus, logMessages } from '#tests/helpers/assertions'
import {
  buttonsOf,
  linkedUser,
  sendClick,
  slackInstallation,
  slackModes,
  startSlackForTest,
  startSocketMode,
  textOf,
} from '#tests/helpers/slack_sandbox'
import { AccountFactory } from '#database/factories/account_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import { SyncRunFactory } from '#database/factories/sync_run_factory'
import SlackAlertService from '#services/slack_alert_service'
import type SlackConnection from '#models/slack_connection'
import { ACTION_RESYNC, ACTION_SKIP } from '#integrations/slack/messages'

type Slack = Awaited<ReturnType<typeof startSlackForTest>>

for (const mode of slackModes)
  test.group(`Slack alert buttons (${mode} mode)`, (group) => {
    let slack: Slack
    let socket: Awaited<ReturnType<typeof startSocketMode>> | null = null
    group.each.setup(async () => {
      await resetDatabase()
      slack = await startSlackForTest()
      socket = mode === 'socket' ? await startSocketMode(slack.sandbox) : null
      return async () => {
        await socket?.stop()
        await slack.restore()
      }
    })

    /** A posted alert for one faulted invoice, as the sandbox holds it. */
    async function postedAlert() {
      const account = await AccountFactory.create()
      const connection: SlackConnection = await slackInstallation(account.id)
      const product = await ProductFactory.merge({
        accountId: account.id,
        settings: { slackChannel: '#billing-alerts' },
      }).create()
      const run = await SyncRunFactory.merge({ productId: product.id }).create()
      const invoice = await InvoiceRecordFactory.merge({
        productId: product.id,
        invoiceNumber: 'INV-300',
      })
        .apply('fault')
        .create()
      await emitter.emit('record:faulted', {
        kind: 'invoice',
        recordId: invoice.id,
        productId: product.id,
        syncRunId: run.id,
        reason: 'Contact is ambiguous',
        hint: 'Link it in the dashboard',
      })
      await emitter.emit('sync_run:finished', {
        runId: run.id,
        productId: product.id,
        state: 'succeeded',
        stats: null as any,
      })
      await (await app.container.make(SlackAlertService)).settled()
      const [message] = slack.sandbox.state.messagesIn('billing-alerts')
      const button = (id: string) =>
        buttonsOf(message.blocks).find((candidate) => candidate.action_id === id)!
      return { connection, product, invoice, message, button }
    }

    async function click(
      client: any,
      slackUserId: string,
      message: { channel: string; ts: string },
      action: { action_id: string; value?: string }
    ) {
      await sendClick(mode, client, slack, socket, slackUserId, message, action)
    }

    test('Resync moves the invoice to pending, logs who clicked, and the alert says who did it', async ({
      client,
      assert,
    }) => {
      const { connection, product, invoice, message, button } = await postedAlert()
      const { user, slackUserId } = await linkedUser(connection, 'admin')
      await click(client, slackUserId, message, {
        action_id: ACTION_RESYNC,
        value: button(ACTION_RESYNC).value,
      })

      await invoice.refresh()
      assert.equal(invoice.status, 'pending')
      await assertLogged(product.id, 'invoice.resync', [
        `Fault → Pending Sync by slack:${slackUserId} (${user.email})`,
      ])
      assert.lengthOf(message.updates, 1)
      assert.include(textOf(message), `Resync requested by <@${slackUserId}> (${user.email})`)
      assert.notInclude(
        buttonsOf(message.blocks).map((candidate) => candidate.action_id),
        ACTION_RESYNC
      )
      assert.lengthOf(slack.sandbox.state.responses, 0)
    })

    test('Skip skips the invoice and updates the alert', async ({ client, assert }) => {
      const { connection, product, invoice, message, button } = await postedAlert()
      const { slackUserId } = await linkedUser(connection, 'owner')
      await click(client, slackUserId, message, {
        action_id: ACTION_SKIP,
        value: button(ACTION_SKIP).value,
      })
      await invoice.refresh()
      assert.equal(invoice.status, 'skipped')
      assert.lengthOf(await logMessages(product.id, 'invoice.skipped'), 1)
      assert.include(textOf(message), `Skipped by <@${slackUserId}>`)
    })

    test('a viewer is told privately that only owners and admins act; nothing changes', async ({
      client,
      assert,
    }) => {
      const { connection, invoice, message, button } = await postedAlert()
      const { slackUserId } = await linkedUser(connection, 'viewer')
      await click(client, slackUserId, message, {
        action_id: ACTION_RESYNC,
        value: button(ACTION_RESYNC).value,
      })
      await assertRecordStatus(invoice, 'fault')
      assert.lengthOf(message.updates, 0)
      assert.lengthOf(slack.sandbox.state.responses, 1)
      const answer = slack.sandbox.state.responses[0].body
      assert.equal(answer.response_type, 'ephemeral')
      assert.equal(answer.replace_original, false)
      assert.include(String(answer.text), 'a viewer')
    })

    test('an unlinked Slack user is told how to link; nothing changes', async ({
      client,
      assert,
    }) => {
      const { invoice, message, button } = await postedAlert()
      await click(client, 'U0NOBODY', message, {
        action_id: ACTION_SKIP,
        value: button(ACTION_SKIP).value,
      })
      await assertRecordStatus(invoice, 'fault')
      assert.lengthOf(message.updates, 0)
      assert.include(String(slack.sandbox.state.responses[0].body.text), 'not linked')
    })

    test('a button naming an invoice of another account, or an unreadable value, changes nothing', async ({
      client,
      assert,
    }) => {
      const { connection, message } = await postedAlert()
      const { slackUserId } = await linkedUser(connection, 'admin')
      const elsewhere = await InvoiceRecordFactory.with('product', 1, (product) =>
        product.with('account')
      )
        .apply('fault')
        .create()
      const forged = JSON.stringify({
        kind: 'invoice',
        recordId: elsewhere.id,
        productId: elsewhere.productId,
      })
      await click(client, slackUserId, message, { action_id: ACTION_RESYNC, value: forged })
      await click(client, slackUserId, message, { action_id: ACTION_RESYNC, value: 'not json' })
      await assertRecordStatus(elsewhere, 'fault')
      const answers = slack.sandbox.state.responses.map((response) => String(response.body.text))
      assert.include(answers[0], 'That invoice is not in')
      assert.include(answers[1], 'could not read that button')
      assert.lengthOf(message.updates, 0)
    })

    test('a second click after the invoice moved gets the reason, and the alert is not touched again', async ({
      client,
      assert,
    }) => {
      const { connection, message, button } = await postedAlert()
      const { slackUserId } = await linkedUser(connection, 'admin')
      const value = button(ACTION_RESYNC).value
      await click(client, slackUserId, message, { action_id: ACTION_RESYNC, value })
      await click(client, slackUserId, message, { action_id: ACTION_RESYNC, value })
      assert.lengthOf(message.updates, 1)
      assert.include(
        String(slack.sandbox.state.responses[0].body.text),
        'Only a synced or faulted invoice can be resynced'
      )
    })
  })
