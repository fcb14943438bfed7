import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import ace from '@adonisjs/core/services/ace'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { enablePurchaseOrders, startSyncWorld } from '#tests/helpers/sync_world'
import { UserFactory } from '#database/factories/user_factory'
import { until } from '#tests/helpers/until'
import InvoiceRecord from '#models/invoice_record'
import Link from '#models/link'
import Product from '#models/product'
import SyncRun from '#models/sync_run'
import SyncLog from '#models/sync_log'
import SyncPreview from '#models/sync_preview'
import PurchaseOrderRecord from '#models/purchase_order_record'
import AuditEvent from '#models/audit_event'
import SyncPreviewService from '#services/sync_preview_service'
import InvoiceDiscovery from '#sync/invoice_discovery'
import { loadMappingContext } from '#sync/sync_runner'
import { AutotaskClient, autotaskCredentialsOf } from '#integrations/autotask/autotask_client'
import SyncPreviewCommand from '#commands/sync_preview'
import type { PreviewResult } from '#sync/sync_preview'
import { NEW_CONTACT } from '#sync/contact_resolver'
import { ContractValidator } from '#sandbox/xero/contract'
import { XERO_CONTRACT, knob } from '#tests/helpers/xero_sandbox'
import RecordStatusService from '#services/record_status_service'
import {
  linkedUser,
  sendCommand,
  slackInstallation,
  startSlackForTest,
} from '#tests/helpers/slack_sandbox'
import { asBytes } from '#tests/helpers/downloads'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** What the Xero sandbox's request log (GET /_sandbox/requests) holds, as any client would read it. */
async function xeroRequests(world: World): Promise<{ method: string; path: string }[]> {
  const response = await fetch(`${world.xero.url}/_sandbox/requests`)
  return (await response.json()) as { method: string; path: string }[]
}

const writes = (log: { method: string; path: string }[]) =>
  log.filter(
    (entry) =>
      ['PUT', 'POST', 'DELETE', 'PATCH'].includes(entry.method) && !entry.path.includes('token')
  )

async function snapshot(productId: number) {
  const product = await Product.findOrFail(productId)
  const count = async (table: string) => Number((await db.from(table).count('* as n'))[0].n)
  return {
    invoices: await db
      .from('invoice_records')
      .select('id', 'status', 'attempts', 'lease_owner', 'xero_invoice_id', 'fault_reason')
      .orderBy('id'),
    links: await count('links'),
    logs: await count('sync_logs'),
    runs: await count('sync_runs'),
    invoiceCursor: product.invoiceCursor?.toISO() ?? null,
    purchaseOrderCursor: product.purchaseOrderCursor?.toISO() ?? null,
    settings: JSON.stringify(product.settings),
  }
}

async function previewOf(world: World) {
  const service = await app.container.make(SyncPreviewService)
  const preview = await service.run(await Product.findOrFail(world.product.id), 'test')
  if (preview.state !== 'finished') throw new Error(`preview ${preview.state}: ${preview.error}`)
  return preview.result!
}

test.group('Preview next sync against the sandboxes', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    // A slow shared machine: Xero's answers may take longer than the suite's usual 2 s.
    world = await startSyncWorld({ xeroClient: { timeoutMs: 20_000 } })
    await world.product.merge({ status: 'paused' }).save()
    return () => world.close()
  })

  test('writes nothing to Xero or to the records, and the next sync does what it predicted', async ({
    assert,
  }) => {
    const before = await snapshot(world.product.id)
    await fetch(`${world.xero.url}/_sandbox/clear-log`, { method: 'POST' })
    const result = await previewOf(world)

    const log = await xeroRequests(world)
    assert.isAbove(log.length, 0, 'the preview read Xero (tax rates, contacts)')
    assert.deepEqual(writes(log), [], 'no write reached Xero')
    assert.deepEqual(await snapshot(world.product.id), before, 'records, links, cursors unchanged')

    // The seed (30 invoices) holds 21 that can sync as invoices and one negative one, a credit note
    // (on by default); the rest fault, are skipped or wait.
    assert.equal(result.invoices.ready, 22)
    const readyOf = (kind: string) =>
      result.records.filter((r) => r.kind === kind && r.outcome === 'ready').length
    assert.equal(readyOf('invoice'), 21)
    assert.equal(readyOf('credit_note'), 1)
    assert.isAbove(result.invoices.errors, 0)
    const ready = result.records.filter((r) => r.outcome === 'ready')
    assert.isTrue(ready.every((r) => r.operation === 'create'))
    const creates = ready.filter((r) => r.contact?.how === 'to be created').length
    assert.isAbove(creates, 0, 'a first sync creates contacts')

    // The payloads shown are requests Xero's contract accepts (a contact to be created shows a
    // placeholder id, replaced here by the id its create would return).
    assert.deepEqual(world.xero.state.violations, [], "the preview's reads keep to the contract")
    const contract = await ContractValidator.load(XERO_CONTRACT)
    for (const record of ready) {
      const body = JSON.parse(
        JSON.stringify(record.payload).replaceAll(
          NEW_CONTACT,
          '00000000-0000-4000-8000-000000000001'
        )
      )
      const errors = contract.validate({
        method: 'PUT',
        path: record.kind === 'credit_note' ? '/CreditNotes' : '/Invoices',
        query: { summarizeErrors: 'false', unitdp: '4' },
        headers: {
          'xero-tenant-id': world.product.xeroTenantId!,
          'content-type': 'application/json',
          'authorization': 'Bearer preview',
        },
        body,
      })
      assert.deepEqual(errors, [], `payload of ${record.number}`)
    }

    await world.product.merge({ status: 'active' }).save()
    const run = (await world.run()).run!
    assert.equal(run.state, 'succeeded', run.error ?? '')
    assert.equal(run.stats!.invoicesSynced, result.invoices.ready)
    assert.equal(run.stats!.invoicesFaulted, result.invoices.errors)

    const records = new Map(
      (await InvoiceRecord.query().where('product_id', world.product.id)).map((r) => [
        r.autotaskId,
        r,
      ])
    )
    const created = new Set(
      (await SyncLog.query().where('event', 'contact.linked'))
        .filter((line) => line.message.endsWith('created in Xero'))
        .map((line) => Number(/\(#(\d+)\)/.exec(line.message)![1]))
    )
    for (const predicted of result.records) {
      const record = records.get(predicted.autotaskId)!
      assert.exists(record, `invoice #${predicted.autotaskId} was discovered`)
      const expected = { ready: 'synced', error: 'fault', skipped: 'skipped', waiting: 'pending' }
      assert.equal(record.status, expected[predicted.outcome], `invoice ${predicted.number}`)
      if (predicted.outcome === 'error') assert.equal(record.faultReason, predicted.reason)
      if (predicted.outcome === 'ready')
        assert.equal(record.xeroInvoiceNumber, predicted.xeroNumber)
      if (predicted.outcome === 'ready' && predicted.kind === 'invoice') {
        const inXero = world.xero.state
          .invoices(world.product.xeroTenantId!)
          .find((invoice: any) => invoice.InvoiceID === record.xeroInvoiceId)!
        assert.equal(Number(inXero.Total).toFixed(2), predicted.total)
        assert.equal(
          created.has(record.autotaskCompanyId!),
          predicted.contact!.how === 'to be created',
          `contact decision for ${record.companyName}`
        )
        const body = predicted.payload as any
        assert.equal(body.Invoices[0].InvoiceNumber, inXero.InvoiceNumber)
        assert.equal(body.Invoices[0].LineItems.length, inXero.LineItems.length)
      }
    }

    // Once linked, a second preview finds the same contacts as linked, and nothing left to send.
    const after = await previewOf(world)
    assert.equal(after.invoices.ready, 0)
    assert.equal(after.invoices.errors, 0, 'faulted invoices wait for a person, not the next sync')
  }).timeout(120_000)

  test('resynced invoices: one Xero still lets change is an update, a paid one an error, as the sync then finds', async ({
    assert,
  }) => {
    await world.product.merge({ status: 'active' }).save()
    assert.equal((await world.run()).run!.state, 'succeeded')
    const [open, paid] = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'synced')
      .whereNull('xero_type')
      .orderBy('id')
      .limit(2)
    await knob(world.xero, '/invoices/pay', { invoiceId: paid.xeroInvoiceId })
    const statuses = await app.container.make(RecordStatusService)
    for (const record of [open, paid]) await statuses.apply('invoice', record, 'resync', 'test')

    await fetch(`${world.xero.url}/_sandbox/clear-log`, { method: 'POST' })
    const result = await previewOf(world)
    assert.deepEqual(writes(await xeroRequests(world)), [])
    const byId = (id: number) => result.records.find((r) => r.autotaskId === id)!
    assert.equal(byId(open.autotaskId).outcome, 'ready')
    assert.equal(byId(open.autotaskId).operation, 'update')
    assert.equal(byId(open.autotaskId).contact!.how, 'linked')
    assert.equal((byId(open.autotaskId).payload as any).Invoices[0].InvoiceID, open.xeroInvoiceId)
    assert.equal(byId(paid.autotaskId).outcome, 'error')
    assert.match(byId(paid.autotaskId).reason!, /is paid, and Xero does not allow changing it/)

    const run = (await world.run()).run!
    assert.equal(run.stats!.invoicesSynced, 1)
    await open.refresh()
    await paid.refresh()
    assert.equal(open.status, 'synced')
    assert.equal(paid.status, 'fault')
    assert.equal(paid.faultReason, byId(paid.autotaskId).reason)
  }).timeout(120_000)

  test('a preview of 1,000 invoices costs the Autotask calls of a discovery, and no Xero write', async ({
    assert,
    client,
  }) => {
    await world.close()
    await resetDatabase()
    world = await startSyncWorld({
      autotask: { invoices: 1000, companies: 60 },
      xeroClient: { timeoutMs: 20_000 },
    })
    await world.product.merge({ status: 'paused' }).save()

    world.autotask.state.resetStats()
    await fetch(`${world.xero.url}/_sandbox/clear-log`, { method: 'POST' })
    const started = performance.now()
    const result = await previewOf(world)
    const previewMs = Math.round(performance.now() - started)
    const previewCalls = world.autotask.state.requests.map((r) => `${r.method} ${r.entity}`)
    const xeroLog = await xeroRequests(world)
    assert.deepEqual(writes(xeroLog), [])
    assert.equal(
      result.invoices.ready +
        result.invoices.errors +
        result.invoices.skipped +
        result.invoices.waiting,
      result.records.length
    )
    assert.isAtLeast(result.records.length, 900)

    // The stored preview's page, with a row per record.
    const owner = await UserFactory.merge({
      accountId: world.product.accountId,
      role: 'owner',
    }).create()
    const pageStarted = performance.now()
    const page = await client.get(`/products/${world.product.id}/preview`).loginAs(owner)
    const pageMs = Math.round(performance.now() - pageStarted)
    page.assertStatus(200)
    assert.equal(
      page.text().split('data-testid="preview-record"').length - 1,
      result.records.length
    )

    world.autotask.state.resetStats()
    const product = await Product.findOrFail(world.product.id)
    const autotask = (await app.container.make(AutotaskClient)).connect(
      autotaskCredentialsOf(product)!
    )
    const run = await SyncRun.create({
      productId: product.id,
      trigger: 'console',
      state: 'running',
      startedAt: world.clock.now(),
      stats: null,
    })
    const discovery = await app.container.make(InvoiceDiscovery)
    const { currencies } = await loadMappingContext(product, world.stack.gateway, autotask)
    const found = await discovery.run(product, run, autotask, currencies!)
    const discoveryCalls = world.autotask.state.requests.map((r) => `${r.method} ${r.entity}`)
    assert.equal(found.found, result.records.length, 'the preview saw what a discovery stores')
    // The same calls, but for one: the discovery reads again the unnumbered invoices it has just
    // stored (numberWaitingInvoices); the preview has them from the page it read.
    const extra = [...discoveryCalls]
    for (const call of previewCalls) {
      const at = extra.indexOf(call)
      assert.notEqual(at, -1, `the preview's ${call} is one a discovery makes`)
      extra.splice(at, 1)
    }
    assert.deepEqual(extra, ['POST Invoices'])
    console.log(
      `preview of ${result.records.length} invoices: ${previewCalls.length} Autotask calls (discovery: ${discoveryCalls.length}), ${xeroLog.length} Xero reads, 0 writes, ${previewMs} ms, stored result ${Math.round(JSON.stringify(result).length / 1024)} KB, page ${pageMs} ms (${Math.round(page.text().length / 1024)} KB)`
    )
  }).timeout(240_000)

  test('web: owners start it in the background, watch it, open a payload and export it; viewers cannot', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.merge({
      accountId: world.product.accountId,
      role: 'owner',
    }).create()
    const viewer = await UserFactory.merge({
      accountId: world.product.accountId,
      role: 'viewer',
    }).create()
    const url = `/products/${world.product.id}/preview`

    ;(await client.get(url).loginAs(viewer)).assertStatus(403)
    ;(await client.post(url).withCsrfToken().loginAs(viewer)).assertStatus(403)
    assert.equal(
      await SyncPreview.query()
        .count('* as n')
        .then((r) => Number(r[0].$extras.n)),
      0
    )

    const started = await client
      .post(url)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
    started.assertStatus(200)
    assert.include(started.text(), 'id="preview-result"')
    assert.notInclude(started.text(), '<html', 'only the panel for htmx')

    let panel = ''
    const finished = await until(
      async () => {
        panel = (await client.get(url).header('HX-Request', 'true').loginAs(owner)).text()
        return panel.includes('data-state="finished"')
      },
      { timeoutMs: 60_000, everyMs: 200 }
    )
    assert.isTrue(finished, panel)
    assert.notInclude(panel, 'hx-trigger="every 1s"', 'a finished panel stops polling')
    assert.include(panel, '<strong>22</strong> ready')
    assert.include(panel, 'Tax region &quot;VAT UK&quot; is not mapped to a Xero tax rate.')

    const preview = await SyncPreview.query().firstOrFail()
    const result = preview.result as PreviewResult
    const index = result.records.findIndex((r) => r.outcome === 'ready')
    const payload = await client
      .get(`${url}/${preview.id}/records/${index}`)
      .header('HX-Request', 'true')
      .loginAs(owner)
    payload.assertStatus(200)
    assert.include(
      payload.text(),
      '&quot;InvoiceNumber&quot;: &quot;' + result.records[index].number
    )
    ;(await client.get(`${url}/${preview.id}/records/${index}`).loginAs(viewer)).assertStatus(403)

    const csv = await client.get(`${url}/export/csv`).loginAs(owner)
    csv.assertStatus(200)
    const rows = csv
      .text()
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    assert.match(rows[0], /^Kind,Autotask ID,Number,Company/)
    assert.lengthOf(rows, result.records.length + 1)
    assert.isTrue(rows.some((row) => row.includes('not mapped to a Xero tax rate')))
    ;(await client.get(`${url}/export/csv`).loginAs(viewer)).assertStatus(403)

    const xlsx = await client.get(`${url}/export/xlsx`).loginAs(owner).setup(asBytes)
    xlsx.assertStatus(200)
    const { default: ExcelJS } = await import('exceljs')
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.body())
    const sheet = workbook.getWorksheet('Preview')!
    assert.equal(sheet.rowCount, result.records.length + 1)
    assert.equal(sheet.getRow(1).getCell(10).value, 'Outcome')

    const audited = await AuditEvent.query().where('action', 'product.previewed')
    assert.lengthOf(audited, 1)
    assert.equal(audited[0].face, 'web')
    assert.equal(audited[0].actorUserId, owner.id)
    assert.deepEqual(writes(await xeroRequests(world)), [])
    assert.lengthOf(await Link.all(), 0, 'no contact linked by a preview')
  }).timeout(120_000)

  test('a preview that cannot run says why, and one left running by an ended process shows as failed', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.merge({
      accountId: world.product.accountId,
      role: 'owner',
    }).create()
    const url = `/products/${world.product.id}/preview`
    await world.product.merge({ xeroTenantId: null }).save()
    const failed = await (
      await app.container.make(SyncPreviewService)
    ).run(await Product.findOrFail(world.product.id), 'test')
    assert.equal(failed.state, 'failed')
    const page = await client.get(url).loginAs(owner)
    page.assertStatus(200)
    assert.include(
      page.text(),
      'The preview failed: The product is not connected to a Xero organisation yet'
    )

    await SyncPreview.create({
      productId: world.product.id,
      state: 'running',
      requestedBy: 'someone',
      startedAt: world.clock.now().minus({ minutes: 31 }),
    })
    const stale = await client.get(url).header('HX-Request', 'true').loginAs(owner)
    assert.include(stale.text(), 'data-state="failed"')
    assert.include(stale.text(), 'stopped without finishing')
    assert.notInclude(stale.text(), 'hx-trigger="every 1s"')
  }).timeout(60_000)

  test('node ace sync:preview prints the summary and a line per record, and is audited', async ({
    assert,
  }) => {
    ace.ui.switchMode('raw')
    try {
      const command = await ace.create(SyncPreviewCommand, [String(world.product.id)])
      await command.exec()
      command.assertSucceeded()
      const lines = command.ui.logger.getLogs().map((log) => log.message)
      assert.isTrue(
        lines.some((l) => l.includes('Invoices: 22 ready')),
        lines.join('\n')
      )
      assert.isTrue(lines.some((l) => /^READY Invoice \S+ · .+ · create in Xero as /.test(l)))
      assert.isTrue(
        lines.some(
          (l) =>
            l.includes('ERROR') &&
            l.includes('Tax region "VAT UK" is not mapped') &&
            l.includes('Fix: Map it')
        )
      )
      const audited = await AuditEvent.query().where('action', 'product.previewed').firstOrFail()
      assert.equal(audited.face, 'console')

      const json = await ace.create(SyncPreviewCommand, [String(world.product.id), '--json'])
      await json.exec()
      json.assertSucceeded()
      const printed = JSON.parse(json.ui.logger.getLogs().at(-1)!.message)
      assert.equal(printed.invoices.ready, 22)

      const missing = await ace.create(SyncPreviewCommand, ['999999'])
      await missing.exec()
      missing.assertFailed()
    } finally {
      ace.ui.switchMode('normal')
    }
    assert.deepEqual(writes(await xeroRequests(world)), [])
  }).timeout(120_000)

  test('/toolbox preview answers admins with the summary and the errors, escaped, and refuses viewers', async ({
    client,
    assert,
  }) => {
    const slack = await startSlackForTest()
    try {
      await world.product.merge({ name: 'Books <&> Co' }).save()
      const connection = await slackInstallation(world.product.accountId)
      const admin = await linkedUser(connection, 'admin')
      const viewer = await linkedUser(connection, 'viewer')

      const refused = await sendCommand('http', client, slack, 'preview Books', viewer.slackUserId)
      assert.include(refused.text, 'a viewer')
      assert.equal(
        await SyncPreview.query()
          .count('* as n')
          .then((r) => Number(r[0].$extras.n)),
        0
      )

      const answer = await sendCommand('http', client, slack, 'preview Books', admin.slackUserId)
      assert.equal(answer.response_type, 'ephemeral')
      if (answer.text.includes('takes a while')) {
        // Under load the 2 s wait can pass first: the answer says where the result will be.
        assert.include(answer.text, `/products/${world.product.id}/preview`)
      } else {
        assert.include(answer.text, 'Books &lt;&amp;&gt; Co')
        assert.include(answer.text, 'Invoices: 22 ready')
        assert.include(answer.text, 'Tax region "VAT UK" is not mapped')
      }
      const audited = await AuditEvent.query().where('action', 'product.previewed').firstOrFail()
      assert.equal(audited.face, 'slack')
      assert.equal(audited.slackUserId, admin.slackUserId)
    } finally {
      await slack.restore()
    }
  }).timeout(120_000)
})

test.group('Preview next sync: purchase orders and credit notes', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({
      autotask: { purchaseOrders: 20, invoices: 0 },
      xeroClient: { timeoutMs: 20_000 },
    })
    return () => world.close()
  })

  for (const documentType of ['PURCHASEORDER', 'BILL'] as const)
    test(`purchase orders as ${documentType}: the preview's payloads are what the next sync writes`, async ({
      assert,
    }) => {
      await enablePurchaseOrders(world.product.id, documentType)
      const product = await Product.findOrFail(world.product.id)
      const before = await snapshot(product.id)
      await fetch(`${world.xero.url}/_sandbox/clear-log`, { method: 'POST' })
      const result = await previewOf(world)
      assert.deepEqual(writes(await xeroRequests(world)), [])
      assert.deepEqual(await snapshot(product.id), before)
      assert.lengthOf(await PurchaseOrderRecord.all(), 0, 'nothing stored')

      const orders = result.records.filter((r) => r.kind === 'purchase_order')
      assert.isAbove(result.purchaseOrders!.ready, 0)
      assert.equal(
        orders.length,
        result.purchaseOrders!.ready +
          result.purchaseOrders!.errors +
          result.purchaseOrders!.skipped
      )

      const run = (await world.run()).run!
      assert.equal(run.state, 'succeeded', run.error ?? '')
      assert.equal(run.stats!.purchaseOrdersSynced, result.purchaseOrders!.ready)
      assert.equal(run.stats!.purchaseOrdersFaulted, result.purchaseOrders!.errors)
      const org = world.xero.state.organisation(world.product.xeroTenantId!)!
      for (const predicted of orders.filter((r) => r.outcome === 'ready')) {
        const record = await PurchaseOrderRecord.query()
          .where('autotask_id', predicted.autotaskId)
          .firstOrFail()
        assert.equal(record.status, 'synced')
        const body = predicted.payload as any
        if (documentType === 'BILL') {
          const bill = org.invoices.find((i) => i.InvoiceID === record.xeroDocumentId)!
          assert.equal(body.Invoices[0].Type, 'ACCPAY')
          assert.equal(body.Invoices[0].InvoiceNumber, bill.InvoiceNumber)
          assert.equal(body.Invoices[0].LineItems.length, bill.LineItems.length)
        } else {
          const order = org.purchaseOrders.find((o) => o.PurchaseOrderID === record.xeroDocumentId)!
          assert.equal(body.PurchaseOrders[0].PurchaseOrderNumber, order.PurchaseOrderNumber)
          assert.equal(body.PurchaseOrders[0].LineItems.length, order.LineItems.length)
        }
      }
    }).timeout(120_000)

  test('with credit notes on, a negative invoice is previewed as the credit note the sync creates', async ({
    assert,
  }) => {
    await world.close()
    await resetDatabase()
    world = await startSyncWorld({ xeroClient: { timeoutMs: 20_000 } })
    const product = await Product.findOrFail(world.product.id)
    product.settings = { ...(product.settings ?? {}), creditNotes: true }
    await product.save()
    const result = await previewOf(world)
    const notes = result.records.filter((r) => r.kind === 'credit_note')
    assert.isAbove(notes.length, 0)
    assert.isTrue(result.totals.some((t) => t.kind === 'credit_note' && t.total.startsWith('-')))

    const run = (await world.run()).run!
    assert.equal(run.state, 'succeeded', run.error ?? '')
    for (const predicted of notes) {
      const record = await InvoiceRecord.query()
        .where('autotask_id', predicted.autotaskId)
        .firstOrFail()
      assert.equal(record.status, 'synced', record.faultReason ?? '')
      assert.equal(record.xeroType, 'ACCRECCREDIT')
      assert.equal(
        (predicted.payload as any).CreditNotes[0].CreditNoteNumber,
        record.xeroInvoiceNumber
      )
    }
  }).timeout(120_000)
})
