import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import emitter from '@adonisjs/core/services/emitter'
import { resetDatabase } from '#tests/helpers/database'
import { logMessages } from '#tests/helpers/assertions'
import {
  buttonsOf,
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
import SlackAlert from '#models/slack_alert'
import SlackAlertRecord from '#models/slack_alert_record'
import SlackAlertService from '#services/slack_alert_service'
import type InvoiceRecord from '#models/invoice_record'
import type Product from '#models/product'

type Slack = Awaited<ReturnType<typeof startSlackForTest>>

// Alerts go out through the Web API in both modes; in Socket Mode the socket is held while they do.
for (const mode of slackModes)
  test.group(`Slack fault alerts (${mode} mode)`, (group) => {
    let slack: Slack
    group.each.setup(async () => {
      await resetDatabase()
      slack = await startSlackForTest({
        debounceSeconds: 10,
        maxMessagesPerMinute: 3,
        dropAfterMinutes: 60,
      })
      const socket = mode === 'socket' ? await startSocketMode(slack.sandbox) : null
      return async () => {
        await socket?.stop()
        await slack.restore()
      }
    })

    async function alertingProduct(channel: string | null = '#billing-alerts') {
      const account = await AccountFactory.create()
      await slackInstallation(account.id)
      return ProductFactory.merge({
        accountId: account.id,
        name: 'Contoso',
        settings: { slackChannel: channel },
      })
        .apply('active')
        .create()
    }

    async function fault(
      product: Product,
      runId: number | null,
      overrides: Partial<InvoiceRecord> = {}
    ) {
      const invoice = await InvoiceRecordFactory.merge({ productId: product.id, ...overrides })
        .apply('fault')
        .create()
      await emitter.emit('record:faulted', {
        kind: 'invoice',
        recordId: invoice.id,
        productId: product.id,
        syncRunId: runId,
        reason: invoice.faultReason!,
        hint: invoice.faultHint,
      })
      return invoice
    }

    async function finishRun(product: Product, runId: number) {
      await emitter.emit('sync_run:finished', {
        runId,
        productId: product.id,
        state: 'succeeded',
        stats: {
          invoicesDiscovered: 0,
          invoicesSynced: 0,
          invoicesFaulted: 1,
          invoicesSkipped: 0,
          purchaseOrdersSynced: 0,
          purchaseOrdersFaulted: 0,
        },
      })
      await (await app.container.make(SlackAlertService)).settled()
    }

    const flush = async () => (await app.container.make(SlackAlertService)).flush()

    test('a fault is posted to the product channel with the invoice, company, amount, reason, hint and buttons', async ({
      assert,
    }) => {
      const product = await alertingProduct()
      const run = await SyncRunFactory.merge({ productId: product.id }).create()
      const invoice = await fault(product, run.id, {
        invoiceNumber: 'INV-5001',
        companyName: 'Northwind Traders',
        currency: 'NZD',
        total: '1150.0000' as any,
      })
      assert.lengthOf(
        slack.sandbox.state.messages,
        0,
        'nothing posted before the run ends or the debounce passes'
      )

      await finishRun(product, run.id)
      const messages = slack.sandbox.state.messagesIn('billing-alerts')
      assert.lengthOf(messages, 1)
      const text = textOf(messages[0])
      for (const part of [
        'INV-5001',
        'Northwind Traders',
        'NZD 1150.00',
        'Tax region \\"GST NZ\\" is not mapped',
        'Map it in Settings → Tax',
      ]) {
        assert.include(text, part)
      }
      const buttons = buttonsOf(messages[0].blocks)
      assert.deepEqual(
        buttons.map((button) => button.text.text),
        ['Resync', 'Skip', 'Open in dashboard']
      )
      assert.equal(
        buttons[2].url,
        `http://toolbox.test/products/${product.id}/invoices/${invoice.id}`
      )
      assert.deepEqual(JSON.parse(buttons[0].value!), {
        kind: 'invoice',
        recordId: invoice.id,
        productId: product.id,
      })

      const alert = await SlackAlert.firstOrFail()
      assert.equal(alert.state, 'posted')
      assert.equal(alert.channelId, 'C0ALERTS')
      assert.equal(alert.messageTs, messages[0].ts)
    })

    test('a negative invoice that faults is named a credit note in the alert', async ({
      assert,
    }) => {
      const product = await alertingProduct()
      const run = await SyncRunFactory.merge({ productId: product.id }).create()
      await fault(product, run.id, {
        invoiceNumber: 'INV-7001',
        companyName: 'Northwind Traders',
        currency: 'NZD',
        total: '-115.0000' as any,
      })
      await finishRun(product, run.id)
      const [message] = slack.sandbox.state.messagesIn('billing-alerts')
      assert.match(
        message.text!,
        /^Credit note INV-7001 for Northwind Traders \(NZD -115\.00\) could not sync/
      )
      assert.include(textOf(message), '*Credit note INV-7001* · Northwind Traders · NZD -115.00')
      assert.include(textOf(message), 'a credit note could not sync to Xero in run')
      assert.notInclude(textOf(message), 'Invoice INV-7001')
    })

    test('several faults of one run are grouped in one message; another run gets its own', async ({
      assert,
    }) => {
      const product = await alertingProduct()
      const run = await SyncRunFactory.merge({ productId: product.id }).create()
      const other = await SyncRunFactory.merge({ productId: product.id }).create()
      for (const number of ['INV-1', 'INV-2', 'INV-3'])
        await fault(product, run.id, { invoiceNumber: number })
      await fault(product, other.id, { invoiceNumber: 'INV-9' })
      await finishRun(product, run.id)

      let messages = slack.sandbox.state.messagesIn('billing-alerts')
      assert.lengthOf(messages, 1)
      assert.include(messages[0].text!, '3 invoices could not sync')
      for (const number of ['INV-1', 'INV-2', 'INV-3']) assert.include(textOf(messages[0]), number)
      assert.notInclude(textOf(messages[0]), 'INV-9')
      assert.lengthOf(
        buttonsOf(messages[0].blocks).filter((button) => button.text.text === 'Resync'),
        3
      )

      await finishRun(product, other.id)
      messages = slack.sandbox.state.messagesIn('billing-alerts')
      assert.lengthOf(messages, 2)
      assert.include(textOf(messages[1]), 'INV-9')
    })

    test('without the run ending, the alert waits for the debounce window and then the flush posts it', async ({
      assert,
    }) => {
      const product = await alertingProduct()
      await fault(product, null, { invoiceNumber: 'INV-7' })
      await fault(product, null, { invoiceNumber: 'INV-8' })
      assert.equal((await flush()).posted, 0)
      assert.lengthOf(slack.sandbox.state.messages, 0)

      slack.clock.advance({ seconds: 11 })
      assert.equal((await flush()).posted, 1)
      const messages = slack.sandbox.state.messagesIn('billing-alerts')
      assert.lengthOf(messages, 1)
      assert.include(textOf(messages[0]), 'INV-7')
      assert.include(textOf(messages[0]), 'INV-8')
    })

    test('when an alerted invoice later syncs, the message is updated to say so', async ({
      assert,
    }) => {
      const product = await alertingProduct()
      const run = await SyncRunFactory.merge({ productId: product.id }).create()
      const invoice = await fault(product, run.id, { invoiceNumber: 'INV-42' })
      await finishRun(product, run.id)

      await emitter.emit('record:synced', {
        kind: 'invoice',
        recordId: invoice.id,
        productId: product.id,
        syncRunId: null,
        xeroId: 'x-1',
      })
      await (await app.container.make(SlackAlertService)).settled()
      const [message] = slack.sandbox.state.messagesIn('billing-alerts')
      assert.lengthOf(message.updates, 1)
      assert.include(textOf(message), 'Synced to Xero')
      assert.notInclude(
        buttonsOf(message.blocks).map((button) => button.text.text),
        'Resync'
      )
      assert.include(
        slack.sandbox.state.calls.map((call) => call.method),
        'chat.update'
      )
    })

    test('a batch synced at once (looked up together): only its alerted invoices change the message', async ({
      assert,
    }) => {
      const product = await alertingProduct()
      const run = await SyncRunFactory.merge({ productId: product.id }).create()
      const alerted = await fault(product, run.id, { invoiceNumber: 'INV-50' })
      const other = await fault(product, run.id, { invoiceNumber: 'INV-51' })
      await finishRun(product, run.id)
      const never = await InvoiceRecordFactory.merge({ productId: product.id }).createMany(3)

      // As a batch's commit sends them: all at once.
      await Promise.all(
        [alerted, ...never].map((record, index) =>
          emitter.emit('record:synced', {
            kind: 'invoice',
            recordId: record.id,
            productId: product.id,
            syncRunId: null,
            xeroId: `x-${index}`,
          })
        )
      )
      await (await app.container.make(SlackAlertService)).settled()
      const [message] = slack.sandbox.state.messagesIn('billing-alerts')
      assert.lengthOf(message.updates, 1)
      const lines = await SlackAlertRecord.query().orderBy('record_id')
      assert.deepEqual(
        lines.map((line) => [line.recordId, line.outcome]),
        [
          [alerted.id, 'Synced to Xero'],
          [other.id, null],
        ]
      )
    })

    test('a rate-limited post stays in the outbox and is retried after Retry-After; the sync is never blocked', async ({
      assert,
    }) => {
      const product = await alertingProduct()
      const run = await SyncRunFactory.merge({ productId: product.id }).create()
      slack.sandbox.state.failNext(1, 'ratelimited', {
        retryAfter: 30,
        methods: ['chat.postMessage'],
      })
      await fault(product, run.id, { invoiceNumber: 'INV-RL' })
      await finishRun(product, run.id)

      assert.lengthOf(slack.sandbox.state.messages, 0)
      const call = slack.sandbox.state.calls.find((entry) => entry.method === 'chat.postMessage')
      assert.equal(call?.status, 429)
      let alert = await SlackAlert.firstOrFail()
      assert.equal(alert.state, 'queued')
      assert.equal(alert.attempts, 1)
      assert.equal(
        alert.nextAttemptAt.toSeconds(),
        slack.clock.now().plus({ seconds: 30 }).toSeconds()
      )

      assert.equal((await flush()).posted, 0, 'not before Retry-After')
      slack.clock.advance({ seconds: 31 })
      assert.equal((await flush()).posted, 1)
      assert.lengthOf(slack.sandbox.state.messagesIn('billing-alerts'), 1)
      alert = await SlackAlert.firstOrFail()
      assert.equal(alert.state, 'posted')
    })

    test('a Slack outage backs off and the alert is dropped only after the window, with a log line', async ({
      assert,
    }) => {
      const product = await alertingProduct()
      const run = await SyncRunFactory.merge({ productId: product.id }).create()
      slack.sandbox.state.failNext(100, 'server_error')
      await fault(product, run.id)
      await finishRun(product, run.id)

      let alert = await SlackAlert.firstOrFail()
      assert.equal(alert.state, 'queued')
      assert.equal(alert.lastError, 'Slack answered HTTP 500')
      const first = alert.nextAttemptAt.diff(slack.clock.now(), 'seconds').seconds
      slack.clock.advance({ seconds: first })
      await flush()
      alert = await SlackAlert.firstOrFail()
      assert.equal(alert.attempts, 2)
      assert.isAbove(
        alert.nextAttemptAt.diff(slack.clock.now(), 'seconds').seconds,
        first,
        'the wait doubles'
      )

      slack.clock.advance({ minutes: 61 })
      assert.equal((await flush()).dropped, 1)
      alert = await SlackAlert.firstOrFail()
      assert.equal(alert.state, 'dropped')
      const lines = await logMessages(product.id, 'slack.alert_dropped')
      assert.lengthOf(lines, 1)
      assert.include(lines[0], 'Slack did not take it in time')
      assert.lengthOf(slack.sandbox.state.messages, 0)
    })

    test('a channel gets at most a few messages a minute; the rest wait their turn', async ({
      assert,
    }) => {
      const product = await alertingProduct()
      for (let index = 0; index < 5; index++) {
        const run = await SyncRunFactory.merge({ productId: product.id }).create()
        await fault(product, run.id, { invoiceNumber: `INV-R${index}` })
        await finishRun(product, run.id)
      }
      assert.lengthOf(slack.sandbox.state.messagesIn('billing-alerts'), 3)
      slack.clock.advance({ seconds: 62 })
      assert.equal((await flush()).posted, 2)
      assert.lengthOf(slack.sandbox.state.messagesIn('billing-alerts'), 5)
    })

    test('a product without a Slack channel, or an account without Slack, queues nothing', async ({
      assert,
    }) => {
      const silent = await alertingProduct(null)
      const run = await SyncRunFactory.merge({ productId: silent.id }).create()
      await fault(silent, run.id)
      const unconnected = await ProductFactory.with('account')
        .merge({ settings: { slackChannel: '#billing-alerts' } })
        .create()
      await fault(unconnected, run.id)
      await finishRun(silent, run.id)
      assert.lengthOf(await SlackAlert.all(), 0)
      // Socket Mode's own apps.connections.open aside, Slack heard nothing.
      const posts = slack.sandbox.state.calls.filter((c) => c.method !== 'apps.connections.open')
      assert.lengthOf(posts, 0)
    })
  })
