import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { assertLogged, assertRecordStatus, logMessages } from '#tests/helpers/assertions'
import {
  linkedUser,
  sendCommand,
  slackInstallation,
  slackModes,
  startSlackForTest,
  startSocketMode,
} from '#tests/helpers/slack_sandbox'
import { AccountFactory } from '#database/factories/account_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import { SyncRunFactory } from '#database/factories/sync_run_factory'
import { UserFactory } from '#database/factories/user_factory'
import Product from '#models/product'
import SlackUserLink from '#models/slack_user_link'
import SyncLog from '#models/sync_log'
import AuditEvent from '#models/audit_event'

type Slack = Awaited<ReturnType<typeof startSlackForTest>>

for (const mode of slackModes)
  test.group(`Slack /toolbox command (${mode} mode)`, (group) => {
    let slack: Slack
    group.each.setup(async () => {
      await resetDatabase()
      slack = await startSlackForTest()
      const socket = mode === 'socket' ? await startSocketMode(slack.sandbox) : null
      return async () => {
        await socket?.stop()
        await slack.restore()
      }
    })

    async function installation(plan: 'professional' | 'starter' = 'professional') {
      const account = await AccountFactory.merge({ plan }).create()
      const connection = await slackInstallation(account.id)
      return { account, connection }
    }

    async function toolbox(client: any, text: string, slackUserId: string) {
      return sendCommand(mode, client, slack, text, slackUserId)
    }

    test('help lists every command, ephemerally', async ({ client, assert }) => {
      const { connection } = await installation()
      const { slackUserId } = await linkedUser(connection)
      const answer = await toolbox(client, 'help', slackUserId)
      assert.equal(answer.response_type, 'ephemeral')
      for (const word of [
        'status [product]',
        'resync <invoice number or Autotask id>',
        'sync now <product>',
        'pause <product>',
        'resume <product>',
      ]) {
        assert.include(answer.text, word)
      }
    })

    test('status shows the product status, counts by state, the last run and its faults', async ({
      client,
      assert,
    }) => {
      const { account, connection } = await installation()
      const { slackUserId } = await linkedUser(connection, 'viewer')
      const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso Main' })
        .apply('active')
        .create()
      await ProductFactory.merge({ accountId: account.id, name: 'Fabrikam' }).create()
      await InvoiceRecordFactory.merge({ productId: product.id }).apply('synced').createMany(3)
      await InvoiceRecordFactory.merge({
        productId: product.id,
        invoiceNumber: 'INV-77',
        companyName: 'Northwind',
      })
        .apply('fault')
        .create()
      const run = await SyncRunFactory.merge({ productId: product.id }).create()

      const answer = await toolbox(client, 'status contoso main', slackUserId)
      assert.equal(answer.response_type, 'ephemeral')
      assert.include(answer.text, '*Contoso Main* — Active')
      assert.include(answer.text, '3 Synced · 1 Fault')
      assert.include(answer.text, `Last run: #${run.id} succeeded`)
      assert.include(answer.text, 'INV-77 · Northwind')
      assert.include(answer.text, 'Tax region "GST NZ" is not mapped')
      assert.notInclude(answer.text, 'Fabrikam')

      const all = await toolbox(client, 'status', slackUserId)
      assert.include(all.text, '*Contoso Main* — Active')
      assert.include(all.text, '*Fabrikam* — Paused')
    })

    test('resync by invoice number moves a faulted invoice back to pending and logs the Slack user', async ({
      client,
      assert,
    }) => {
      const { account, connection } = await installation()
      const { user, slackUserId } = await linkedUser(connection, 'admin')
      const product = await ProductFactory.merge({ accountId: account.id }).apply('active').create()
      const invoice = await InvoiceRecordFactory.merge({
        productId: product.id,
        invoiceNumber: 'INV-1001',
      })
        .apply('fault')
        .create()

      const answer = await toolbox(client, 'resync INV-1001', slackUserId)
      assert.include(answer.text, 'Invoice INV-1001')
      assert.include(answer.text, 'Pending Sync again')
      await invoice.refresh()
      assert.equal(invoice.status, 'pending')
      const lines = await logMessages(product.id, 'invoice.resync')
      assert.deepEqual(lines, [`Fault → Pending Sync by slack:${slackUserId} (${user.email})`])
    })

    test('the resync answer says it updates the Xero invoice it already made only when there is one', async ({
      client,
      assert,
    }) => {
      const { account, connection } = await installation()
      const { slackUserId } = await linkedUser(connection, 'admin')
      const product = await ProductFactory.merge({ accountId: account.id }).create()
      await InvoiceRecordFactory.merge({ productId: product.id, invoiceNumber: 'NEVER-1' })
        .apply('fault')
        .create()
      await InvoiceRecordFactory.merge({
        productId: product.id,
        invoiceNumber: 'MADE-1',
        xeroInvoiceNumber: 'INV-0042',
      })
        .apply('synced')
        .create()

      const never = await toolbox(client, 'resync NEVER-1', slackUserId)
      assert.include(never.text, 'Pending Sync again')
      assert.notInclude(never.text, 'already made')
      assert.include(never.text, 'never reached Xero')

      const made = await toolbox(client, 'resync MADE-1', slackUserId)
      assert.include(made.text, 'updates the Xero invoice it already made (INV-0042)')
    })

    test('resync by Autotask id works too, and a pending invoice is refused with the reason', async ({
      client,
      assert,
    }) => {
      const { account, connection } = await installation()
      const { slackUserId } = await linkedUser(connection, 'owner')
      const product = await ProductFactory.merge({ accountId: account.id }).create()
      const synced = await InvoiceRecordFactory.merge({ productId: product.id, autotaskId: 4242 })
        .apply('synced')
        .create()
      const pending = await InvoiceRecordFactory.merge({
        productId: product.id,
        autotaskId: 4343,
      }).create()

      await toolbox(client, 'resync 4242', slackUserId)
      await synced.refresh()
      assert.equal(synced.status, 'pending')

      const refused = await toolbox(client, 'resync 4343', slackUserId)
      assert.include(refused.text, 'Only a synced or faulted invoice can be resynced')
      await pending.refresh()
      assert.equal(pending.status, 'pending')
      assert.lengthOf(await logMessages(product.id, 'invoice.resync'), 1)
    })

    test('sync now asks the engine to run and logs who asked', async ({ client, assert }) => {
      const { account, connection } = await installation()
      const { user, slackUserId } = await linkedUser(connection)
      const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso' })
        .apply('active')
        .create()
      const answer = await toolbox(client, 'sync now Contoso', slackUserId)
      assert.include(answer.text, 'Sync Now requested for Contoso')
      assert.isNotNull((await Product.findOrFail(product.id)).syncRequestedAt)
      const lines = await logMessages(product.id, 'sync.requested')
      assert.lengthOf(lines, 1)
      assert.include(lines[0], `slack:${slackUserId} (${user.email})`)
    })

    test('sync now on a plan without on-demand sync is refused with the reason', async ({
      client,
      assert,
    }) => {
      const { account, connection } = await installation('starter')
      const { slackUserId } = await linkedUser(connection)
      const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso' })
        .apply('active')
        .create()
      const answer = await toolbox(client, 'sync now contoso', slackUserId)
      assert.include(answer.text, 'Sync Now is not part of the Starter plan')
      assert.isNull((await Product.findOrFail(product.id)).syncRequestedAt)
      assert.lengthOf(await logMessages(product.id, 'sync.requested'), 0)
    })

    test('pause and resume change the status and log the Slack user', async ({
      client,
      assert,
    }) => {
      const { account, connection } = await installation()
      const { user, slackUserId } = await linkedUser(connection)
      const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso' })
        .apply('active')
        .create()

      assert.include(
        (await toolbox(client, 'pause Contoso', slackUserId)).text,
        'Contoso is Paused'
      )
      await assertRecordStatus(product, 'paused')
      assert.include((await toolbox(client, 'pause Contoso', slackUserId)).text, 'already Paused')
      assert.include(
        (await toolbox(client, 'resume Contoso', slackUserId)).text,
        'Contoso is Active'
      )
      await assertRecordStatus(product, 'active')

      await assertLogged(product.id, 'product.paused', [
        `Status changed from Active to Paused by slack:${slackUserId} (${user.email})`,
      ])
      assert.lengthOf(await logMessages(product.id, 'product.resumed'), 1)
    })

    test('an unlinked Slack user is told how to link and changes nothing', async ({
      client,
      assert,
    }) => {
      const { account } = await installation()
      const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso' })
        .apply('active')
        .create()
      const answer = await toolbox(client, 'pause Contoso', 'U0STRANGER')
      assert.equal(answer.response_type, 'ephemeral')
      assert.include(answer.text, 'not linked to an Accounting Toolbox user')
      await assertRecordStatus(product, 'active')
      assert.lengthOf(await SyncLog.all(), 0)
    })

    test('a viewer may ask for status but not act', async ({ client, assert }) => {
      const { account, connection } = await installation()
      const { slackUserId } = await linkedUser(connection, 'viewer')
      const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso' })
        .apply('active')
        .create()
      const invoice = await InvoiceRecordFactory.merge({
        productId: product.id,
        invoiceNumber: 'INV-9',
      })
        .apply('fault')
        .create()
      for (const text of ['pause Contoso', 'sync now Contoso', 'resync INV-9']) {
        const answer = await toolbox(client, text, slackUserId)
        assert.include(answer.text, 'a viewer')
      }
      await assertRecordStatus(product, 'active')
      assert.isNull((await Product.findOrFail(product.id)).syncRequestedAt)
      await assertRecordStatus(invoice, 'fault')
      assert.lengthOf(await SyncLog.all(), 0)
    })

    test('a product or invoice of another account is not found and nothing changes', async ({
      client,
      assert,
    }) => {
      const { connection } = await installation()
      const { slackUserId } = await linkedUser(connection)
      const other = await ProductFactory.with('account')
        .merge({ name: 'Elsewhere' })
        .apply('active')
        .create()
      const invoice = await InvoiceRecordFactory.merge({
        productId: other.id,
        invoiceNumber: 'INV-X',
      })
        .apply('fault')
        .create()

      assert.include(
        (await toolbox(client, 'pause Elsewhere', slackUserId)).text,
        'No product called "Elsewhere"'
      )
      assert.include(
        (await toolbox(client, `pause ${other.id}`, slackUserId)).text,
        `No product called "${other.id}"`
      )
      assert.include((await toolbox(client, 'resync INV-X', slackUserId)).text, 'No invoice INV-X')
      await assertRecordStatus(other, 'active')
      await assertRecordStatus(invoice, 'fault')
      assert.lengthOf(await SyncLog.all(), 0)
    })

    test('unknown command text gets a clear answer and changes nothing', async ({
      client,
      assert,
    }) => {
      const { account, connection } = await installation()
      const { slackUserId } = await linkedUser(connection)
      const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso' })
        .apply('active')
        .create()
      for (const text of ['delete everything', 'sync later Contoso']) {
        const answer = await toolbox(client, text, slackUserId)
        assert.equal(answer.response_type, 'ephemeral')
        assert.include(answer.text, "I don't know")
        assert.include(answer.text, '/toolbox help')
      }
      await assertRecordStatus(product, 'active')
      assert.lengthOf(await SyncLog.all(), 0)
    })

    test('link asks, an admin approves that Slack user (not the e-mail), and only then the Slack user may act', async ({
      client,
      assert,
    }) => {
      const { account, connection } = await installation()
      const { user: admin, slackUserId: adminSlackId } = await linkedUser(connection, 'admin')
      const alice = await UserFactory.merge({
        accountId: account.id,
        role: 'admin',
        email: 'alice@example.com',
      }).create()
      const product = await ProductFactory.merge({ accountId: account.id, name: 'Contoso' })
        .apply('active')
        .create()

      const asked = await toolbox(client, 'link Alice@Example.com', 'U0ALICE')
      assert.include(asked.text, 'approve <@U0ALICE>')
      const link = await SlackUserLink.findByOrFail('slack_user_id', 'U0ALICE')
      assert.equal(link.status, 'pending')
      assert.equal(link.userId, alice.id)
      assert.include((await toolbox(client, 'pause Contoso', 'U0ALICE')).text, 'not linked')

      assert.include((await toolbox(client, 'approve <@U0ALICE>', 'U0ALICE')).text, 'not linked')
      // An e-mail approves nothing: the approver is shown who asked, by name and id.
      const byEmail = await toolbox(client, 'approve alice@example.com', adminSlackId)
      assert.include(byEmail.text, '<@U0ALICE> (someone, U0ALICE) asked to be alice@example.com')
      await link.refresh()
      assert.equal(link.status, 'pending')

      const approved = await toolbox(client, 'approve <@U0ALICE|someone>', adminSlackId)
      assert.include(
        approved.text,
        '<@U0ALICE> (someone, U0ALICE) is now linked to alice@example.com'
      )
      await link.refresh()
      assert.equal(link.status, 'active')

      await toolbox(client, 'pause Contoso', 'U0ALICE')
      await assertRecordStatus(product, 'paused')
      assert.include(
        (await logMessages(product.id, 'product.paused'))[0],
        'slack:U0ALICE (alice@example.com)'
      )

      const trail = await AuditEvent.query().where('account_id', account.id).orderBy('id')
      assert.deepEqual(
        trail.map((row) => [
          row.face,
          row.action,
          row.actorLabel,
          row.actorUserId,
          row.slackTeamId,
        ]),
        [
          ['slack', 'slack.link_requested', 'slack:U0ALICE (not linked)', null, 'T0SANDBOX'],
          [
            'slack',
            'slack.link_refused',
            `slack:${adminSlackId} (${admin.email})`,
            admin.id,
            'T0SANDBOX',
          ],
          [
            'slack',
            'slack.link_approved',
            `slack:${adminSlackId} (${admin.email})`,
            admin.id,
            'T0SANDBOX',
          ],
          ['slack', 'product.paused', 'slack:U0ALICE (alice@example.com)', alice.id, 'T0SANDBOX'],
        ]
      )
      assert.equal(trail[3].productId, product.id)
      assert.equal(trail[3].slackUserId, 'U0ALICE')
      assert.deepInclude(trail[2].details!, { slackUserId: 'U0ALICE', email: 'alice@example.com' })
    })

    test('two requests naming one e-mail are refused until the wrong one is unlinked', async ({
      client,
      assert,
    }) => {
      const { account, connection } = await installation()
      const { slackUserId: ownerSlackId } = await linkedUser(connection, 'owner')
      await UserFactory.merge({
        accountId: account.id,
        role: 'admin',
        email: 'admin@example.com',
      }).create()

      await toolbox(client, 'link admin@example.com', 'U0MALLORY')
      await toolbox(client, 'link admin@example.com', 'U0REALADM')

      for (const who of ['admin@example.com', '<@U0MALLORY>', 'U0REALADM']) {
        const refused = await toolbox(client, `approve ${who}`, ownerSlackId)
        assert.include(refused.text, '2 Slack users asked to be admin@example.com')
        assert.include(refused.text, '<@U0MALLORY> (someone, U0MALLORY)')
        assert.include(refused.text, '<@U0REALADM> (someone, U0REALADM)')
      }
      assert.deepEqual(
        (await SlackUserLink.query().whereIn('slack_user_id', ['U0MALLORY', 'U0REALADM'])).map(
          (link) => link.status
        ),
        ['pending', 'pending']
      )

      const unlinked = await toolbox(client, 'unlink <@U0MALLORY>', ownerSlackId)
      assert.include(unlinked.text, 'is no longer linked to admin@example.com')
      assert.isNull(await SlackUserLink.findBy('slack_user_id', 'U0MALLORY'))
      const approved = await toolbox(client, 'approve U0REALADM', ownerSlackId)
      assert.include(approved.text, 'is now linked to admin@example.com')

      // Unlinking an approved user ends their rights at once.
      await toolbox(client, 'unlink U0REALADM', ownerSlackId)
      assert.include((await toolbox(client, 'status', 'U0REALADM')).text, 'not linked')

      const actions = (await AuditEvent.query().where('account_id', account.id).orderBy('id')).map(
        (row) => row.action
      )
      assert.deepEqual(actions, [
        'slack.link_requested',
        'slack.link_requested',
        'slack.link_refused',
        'slack.link_refused',
        'slack.link_refused',
        'slack.unlinked',
        'slack.link_approved',
        'slack.unlinked',
      ])
    })

    test('a viewer can neither approve nor unlink', async ({ client, assert }) => {
      const { account, connection } = await installation()
      const { slackUserId } = await linkedUser(connection, 'viewer')
      await UserFactory.merge({
        accountId: account.id,
        role: 'admin',
        email: 'boss@example.com',
      }).create()
      await toolbox(client, 'link boss@example.com', 'U0ASKER')
      assert.include((await toolbox(client, 'approve <@U0ASKER>', slackUserId)).text, 'a viewer')
      assert.include((await toolbox(client, 'unlink <@U0ASKER>', slackUserId)).text, 'a viewer')
      assert.equal((await SlackUserLink.findByOrFail('slack_user_id', 'U0ASKER')).status, 'pending')
    })

    test('link answers the same whether or not the e-mail is a user, and stores nothing for a stranger', async ({
      client,
      assert,
    }) => {
      const { account } = await installation()
      await UserFactory.merge({ accountId: account.id, email: 'real@example.com' }).create()
      const stranger = await UserFactory.with('account').create()
      const real = await toolbox(client, 'link real@example.com', 'U0PROBE')
      const other = await toolbox(client, `link ${stranger.email}`, 'U0PROBE2')
      const none = await toolbox(client, 'link nobody@example.com', 'U0PROBE3')
      const shape = (text: string, email: string, id: string) =>
        text.replace(email, 'E').replace(new RegExp(id, 'g'), 'ID')
      assert.equal(
        shape(other.text, stranger.email, 'U0PROBE2'),
        shape(real.text, 'real@example.com', 'U0PROBE')
      )
      assert.equal(
        shape(none.text, 'nobody@example.com', 'U0PROBE3'),
        shape(real.text, 'real@example.com', 'U0PROBE')
      )
      assert.deepEqual(
        (await SlackUserLink.all()).map((link) => link.slackUserId),
        ['U0PROBE']
      )
    })

    test('replies escape typed words, product and account names', async ({ client, assert }) => {
      const account = await AccountFactory.merge({ name: 'Acme <!channel> & Co' }).create()
      const connection = await slackInstallation(account.id)
      const { slackUserId } = await linkedUser(connection, 'admin')
      await ProductFactory.merge({ accountId: account.id, name: 'Fish <b>&</b> Chips' }).create()

      const missing = await toolbox(client, 'pause <!here> & more', slackUserId)
      assert.include(
        missing.text,
        'No product called "&lt;!here&gt; &amp; more" in Acme &lt;!channel&gt; &amp; Co.'
      )
      assert.include(missing.text, '"Fish &lt;b&gt;&amp;&lt;/b&gt; Chips"')
      assert.notInclude(missing.text, '<!')
      const paused = await toolbox(client, 'resume fish', slackUserId)
      assert.include(paused.text, 'Fish &lt;b&gt;&amp;&lt;/b&gt; Chips is Active')
      const invoice = await toolbox(client, 'resync <@U0X>', slackUserId)
      assert.include(invoice.text, 'No invoice &lt;@U0X&gt; in Acme &lt;!channel&gt; &amp; Co.')
    })
  })
