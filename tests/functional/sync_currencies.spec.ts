import { test } from '@japa/runner'
import { Assert } from '@japa/assert'
import ExcelJS from 'exceljs'
import { UserFactory } from '#database/factories/user_factory'
import app from '@adonisjs/core/services/app'
import { Decimal } from 'decimal.js'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { logMessages } from '#tests/helpers/assertions'
import { asBytes } from '#tests/helpers/downloads'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import PurchaseOrderRecord from '#models/purchase_order_record'
import RecordStatusService from '#services/record_status_service'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { creditNotesOf } from '#sandbox/xero/credit_notes'
import { DEFAULT_SANDBOX_SCOPE } from '#sandbox/xero/scopes'

/*
| Foreign currencies end to end, over real sockets: an Autotask company in USD (Multi-currency module:
| its currencyID names its invoices' currency) and a Xero organisation (NZD base) with or without USD.
| Outcomes are read from our rows, the sync log, what the Xero sandbox holds and its request log.
*/

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId
/** Autotask sandbox currency ids (sandbox/autotask/seed.ts seedCurrencies) */
const USD = 2

/** A knob of the Autotask sandbox, over HTTP. */
async function autotaskKnob(world: World, path: string, body: unknown) {
  const response = await fetch(`${world.autotask.knobsUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { item: { id: number; companyName: string } }).item
}

/** What a person does in Xero (Settings → Currencies → Add), through the API: PUT /Currencies. */
async function enableInXero(world: World, code: string) {
  const { accessToken } = world.xero.state.connect(
    [NZ],
    DEFAULT_SANDBOX_SCOPE.replace('accounting.settings.read', 'accounting.settings')
  )
  const response = await fetch(`${world.xero.apiUrl}/Currencies`, {
    method: 'PUT',
    headers: {
      'authorization': `Bearer ${accessToken}`,
      'xero-tenant-id': NZ,
      'accept': 'application/json',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ Code: code }),
  })
  if (response.status !== 200) throw new Error(`PUT /Currencies: ${await response.text()}`)
}

/** A new customer in USD with one invoice of a new billing run; its lines at Autotask's own figures. */
async function usdInvoice(world: World, name = 'Brooklyn Dental Group') {
  const company = await autotaskKnob(world, '/companies', {
    companyName: name,
    taxRegionID: 1,
    currencyID: USD,
  })
  const [id] = world.autotask.state.addBillingRun({
    invoices: 1,
    companyIds: [company.id],
    lines: 2,
  }).invoiceIds
  return { company, invoice: world.autotask.state.tables.Invoices.get(id)! }
}

/** USD enabled in Xero, a USD invoice made in Autotask, a run: our record of that invoice. */
async function usdInvoiceIntoUsd(world: World) {
  await enableInXero(world, 'USD')
  const { invoice } = await usdInvoice(world)
  await succeeded(world)
  return recordOf(world, invoice.id)
}

async function recordOf(world: World, autotaskId: number) {
  return InvoiceRecord.query()
    .where('product_id', world.product.id)
    .where('autotask_id', autotaskId)
    .firstOrFail()
}

function xeroInvoicesNumbered(world: World, number: string) {
  return world.xero.state
    .invoices(NZ)
    .filter((invoice) => invoice.Type === 'ACCREC' && invoice.InvoiceNumber === number)
}

/** Xero writes (invoices, contacts) the sandbox answered since the log was cleared. */
function xeroWrites(world: World) {
  return world.xero.state.requestLog.filter(
    (entry) => entry.method !== 'GET' && /\/(Invoices|Contacts|PurchaseOrders)/i.test(entry.path)
  )
}

async function resync(
  record: InvoiceRecord | PurchaseOrderRecord,
  kind: 'invoice' | 'purchase_order'
) {
  const statuses = await app.container.make(RecordStatusService)
  const moved = await statuses.apply(kind, record as any, 'resync', 'tester')
  if (!moved.ok) throw new Error(moved.reason)
}

/** The record faulted, before any Xero write, because the organisation has not enabled USD; the fix is said. */
function assertUsdNotEnabled(
  record: InvoiceRecord | PurchaseOrderRecord,
  what: 'invoice' | 'purchase order'
) {
  new Assert().deepEqual(
    [record.status, record.currency, record.faultReason, record.faultHint],
    [
      'fault',
      'USD',
      `The ${what} is in USD, and the Xero organisation has not enabled USD.`,
      'Enable USD in Xero: Settings → Currencies, then resync.',
    ]
  )
}

async function succeeded(world: World) {
  const outcome = await world.run()
  if (!outcome.started || outcome.run.state !== 'succeeded')
    throw new Error(`run did not succeed: ${outcome.run?.error ?? 'not started'}`)
}

test.group('Currencies: invoices go to Xero in their Autotask currency', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ autotask: { invoices: 4 }, xeroClient: { timeoutMs: 30_000 } })
    return () => world.close()
  })

  test('without the Multi-currency module nothing changes: the product currency, no currency reads', async ({
    assert,
  }) => {
    await succeeded(world)
    const records = await InvoiceRecord.query().where('product_id', world.product.id)
    assert.isAbove(records.length, 0)
    for (const record of records) {
      assert.equal(record.currency, 'NZD')
      assert.isNull(record.autotaskCurrencyId)
    }
    for (const invoice of world.xero.state.invoices(NZ)) assert.equal(invoice.CurrencyCode, 'NZD')
    assert.isFalse(
      world.xero.state.requestLog.some((entry) => /\/Currencies/i.test(entry.path)),
      'Xero is not asked for its currencies'
    )
    assert.isFalse(
      world.autotask.state.requests.some((entry) => /Currencies/i.test(entry.path)),
      'Autotask is not asked for its currencies'
    )
    const sent = world.xero.state.requestLog.filter(
      (entry) => entry.method === 'PUT' && /\/Invoices$/i.test(entry.path)
    )
    assert.isAbove(sent.length, 0)
    for (const entry of sent) {
      for (const invoice of (entry.body as any).Invoices)
        assert.notProperty(invoice, 'CurrencyCode', 'sent as before, without a currency')
    }
  }).timeout(60_000)

  test('a USD invoice into an organisation with USD: Xero holds it in USD with the right totals', async ({
    assert,
  }) => {
    const record = await usdInvoiceIntoUsd(world)
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    // Each list read once in the run, not once per invoice or batch.
    assert.lengthOf(
      world.xero.state.requestLog.filter(
        (entry) => entry.method === 'GET' && /\/Currencies$/i.test(entry.path)
      ),
      1
    )
    assert.lengthOf(
      world.autotask.state.requests.filter((entry) => entry.entity === 'Currencies'),
      1
    )
    assert.equal(record.currency, 'USD')
    assert.equal(record.autotaskCurrencyId, USD)
    const [xero] = xeroInvoicesNumbered(world, record.invoiceNumber!)
    assert.equal(xero.CurrencyCode, 'USD')
    assert.equal(new Decimal(xero.Total).toFixed(2), record.total.toFixed(2))
    assert.equal(new Decimal(xero.TotalTax).toFixed(2), record.taxTotal.toFixed(2))
    const [discovered] = (await logMessages(world.product.id, 'invoice.discovered')).filter(
      (message) => message.includes(record.invoiceNumber!)
    )
    assert.include(discovered, `(USD ${record.total.toFixed(2)})`)
    // The others, in the product's currency, went as before.
    const others = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .whereNot('id', record.id)
    for (const other of others) assert.equal(other.currency, 'NZD')
    assert.deepEqual(world.xero.state.violations, [], 'every request fits the Xero contract')
  }).timeout(60_000)

  test('into an organisation without USD it faults with the reason and the fix before any Xero write; enabled and resynced, it syncs once', async ({
    assert,
  }) => {
    await succeeded(world)
    const { company, invoice } = await usdInvoice(world, 'Hudson Yards Legal')
    world.xero.state.requestLog = []
    await succeeded(world)

    const record = await recordOf(world, invoice.id)
    assertUsdNotEnabled(record, 'invoice')
    assert.deepEqual(xeroWrites(world), [], 'nothing was written to Xero: no invoice, no contact')
    assert.isFalse(
      world.xero.state
        .organisation(NZ)!
        .contacts.some((contact) => contact.Name === company.companyName)
    )
    assert.lengthOf(xeroInvoicesNumbered(world, record.invoiceNumber!), 0)

    await enableInXero(world, 'USD')
    await resync(record, 'invoice')
    await succeeded(world)
    await succeeded(world)
    const after = await recordOf(world, invoice.id)
    assert.equal(after.status, 'synced', after.faultReason ?? '')
    const copies = xeroInvoicesNumbered(world, record.invoiceNumber!)
    assert.lengthOf(copies, 1, 'one Xero invoice, however many runs')
    assert.equal(copies[0].CurrencyCode, 'USD')
    assert.equal(new Decimal(copies[0].Total).toFixed(2), after.total.toFixed(2))
  }).timeout(90_000)

  test('a negative USD invoice becomes a credit note in USD', async ({ assert }) => {
    const product = await Product.findOrFail(world.product.id)
    product.settings = {
      ...(product.settings ?? {}),
      invoiceStatus: 'AUTHORISED',
      creditNotes: true,
    }
    await product.save()
    await enableInXero(world, 'USD')
    const { invoice } = await usdInvoice(world, 'Queens Credit Union')
    const [first, second] = world.autotask.state.itemsOf(invoice.id)
    Object.assign(first, { quantity: 1, rate: -100, extendedPrice: -100, taxDollars: -15 })
    Object.assign(second, { quantity: 1, rate: 0, extendedPrice: 0, taxDollars: 0 })
    Object.assign(invoice, { invoiceTotal: -115, totalTaxValue: -15 })
    await succeeded(world)

    const record = await recordOf(world, invoice.id)
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    assert.equal(record.xeroType, 'ACCRECCREDIT')
    const notes = creditNotesOf(world.xero.state.organisation(NZ)!).filter(
      (note) => note.CreditNoteNumber === record.invoiceNumber
    )
    assert.lengthOf(notes, 1)
    assert.equal(notes[0].CurrencyCode, 'USD')
    assert.equal(notes[0].Total, 115)
  }).timeout(60_000)

  test('the grid, the CSV and the Excel export show each invoice in its own currency', async ({
    assert,
    client,
  }) => {
    const usd = await usdInvoiceIntoUsd(world)
    const nzd = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .whereNot('id', usd.id)
      .firstOrFail()
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()

    const grid = await client.get(`/products/${world.product.id}/invoices`).loginAs(owner)
    grid.assertStatus(200)
    const html = grid.text()
    // formatMoney (start/view.ts): the code, then the amount, joined by a no-break space.
    assert.include(
      html,
      `USD\u00a0${Number(usd.total.toFixed(2)).toLocaleString('en', { minimumFractionDigits: 2 })}`
    )
    assert.include(
      html,
      `NZD\u00a0${Number(nzd.total.toFixed(2)).toLocaleString('en', { minimumFractionDigits: 2 })}`
    )

    const csv = await client.get(`/products/${world.product.id}/invoices/export/csv`).loginAs(owner)
    csv.assertStatus(200)
    const rows = csv.text().split('\r\n')
    const header = rows[0].replace(/^\uFEFF/, '').split(',')
    const currencyColumn = header.indexOf('Currency')
    assert.isAbove(currencyColumn, -1)
    const rowOf = (autotaskId: number) =>
      rows.find((row) => row.startsWith(`${autotaskId},`))!.split(',')
    assert.equal(rowOf(usd.autotaskId)[currencyColumn], 'USD')
    assert.equal(rowOf(nzd.autotaskId)[currencyColumn], 'NZD')

    const xlsx = await client
      .get(`/products/${world.product.id}/invoices/export/xlsx`)
      .loginAs(owner)
      .setup(asBytes)
    xlsx.assertStatus(200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.body())
    const sheet = workbook.worksheets[0]
    const headings = (sheet.getRow(1).values as unknown[]).map(String)
    const column = headings.indexOf('Currency')
    const currencies = new Map<number, string>()
    sheet.eachRow((row, number) => {
      if (number > 1)
        currencies.set(Number(row.getCell(1).value), String(row.getCell(column).value))
    })
    assert.equal(currencies.get(usd.autotaskId), 'USD')
    assert.equal(currencies.get(nzd.autotaskId), 'NZD')
  }).timeout(60_000)

  test("a resync reads the company's currency again: set to USD in Autotask after the sync, it faults and Xero's copy is left alone", async ({
    assert,
  }) => {
    await succeeded(world)
    const record = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'synced')
      .orderBy('id')
      .firstOrFail()
    const [before] = xeroInvoicesNumbered(world, record.invoiceNumber!)
    assert.equal(before.CurrencyCode, 'NZD')
    await autotaskKnob(world, `/companies/${record.autotaskCompanyId}/currency`, {
      currencyID: USD,
    })
    await resync(record, 'invoice')
    world.xero.state.requestLog = []
    await succeeded(world)

    assertUsdNotEnabled(await recordOf(world, record.autotaskId), 'invoice')
    assert.deepEqual(xeroWrites(world), [])
    const [unchanged] = xeroInvoicesNumbered(world, record.invoiceNumber!)
    assert.equal(unchanged.CurrencyCode, 'NZD')
    assert.equal(unchanged.UpdatedDateUTC, before.UpdatedDateUTC)
  }).timeout(60_000)

  test('a company currency Autotask does not list faults with that id; nothing reaches Xero for it', async ({
    assert,
  }) => {
    await succeeded(world)
    const company = await autotaskKnob(world, '/companies', {
      companyName: 'Nowhere Traders',
      taxRegionID: 1,
      currencyID: 99,
    })
    const [id] = world.autotask.state.addBillingRun({
      invoices: 1,
      companyIds: [company.id],
      lines: 1,
    }).invoiceIds
    world.xero.state.requestLog = []
    await succeeded(world)

    const record = await recordOf(world, id)
    assert.equal(record.status, 'fault')
    assert.equal(record.autotaskCurrencyId, 99)
    assert.equal(
      record.faultReason,
      "The company's currency in Autotask (currency #99) is not in Autotask's list of currencies, so the invoice's currency is unknown."
    )
    assert.include(record.faultHint!, 'then resync')
    assert.deepEqual(xeroWrites(world), [])

    // Corrected in Autotask and resynced: read again, it goes in USD once enabled.
    await autotaskKnob(world, `/companies/${company.id}/currency`, { currencyID: USD })
    await enableInXero(world, 'USD')
    await resync(record, 'invoice')
    await succeeded(world)
    const after = await recordOf(world, id)
    assert.equal(after.status, 'synced', after.faultReason ?? '')
    assert.equal(after.currency, 'USD')
    assert.equal(xeroInvoicesNumbered(world, after.invoiceNumber!)[0].CurrencyCode, 'USD')
  }).timeout(90_000)
})

test.group('Currencies: purchase orders go to Xero in their vendor currency', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({
      autotask: { purchaseOrders: 12, invoices: 0 },
      xeroClient: { timeoutMs: 30_000 },
    })
    const product = await Product.findOrFail(world.product.id)
    product.settings = {
      ...(product.settings ?? {}),
      purchaseOrders: {
        enabled: true,
        documentType: 'PURCHASEORDER',
        triggerStatus: 2,
        accountCode: '300',
        taxType: 'INPUT2',
      },
    }
    await product.save()
    return () => world.close()
  })

  test('a PO from a USD vendor faults until USD is enabled, then lands once in USD', async ({
    assert,
  }) => {
    const order = world.autotask.state
      .sorted('PurchaseOrders')
      .find((candidate) => candidate.status === 2)!
    await autotaskKnob(world, `/companies/${order.vendorID}/currency`, { currencyID: USD })
    await succeeded(world)

    const records = await PurchaseOrderRecord.query().where('product_id', world.product.id)
    const usd = records.filter((record) => record.vendorCompanyId === order.vendorID)
    assert.isAbove(usd.length, 0)
    for (const record of usd) assertUsdNotEnabled(record, 'purchase order')
    const org = world.xero.state.organisation(NZ)!
    assert.isFalse(
      org.purchaseOrders.some((po) =>
        usd.some((record) => record.poNumber === po.PurchaseOrderNumber)
      )
    )
    for (const record of records.filter((r) => !usd.includes(r)))
      assert.equal(record.currency, 'NZD')

    await enableInXero(world, 'USD')
    for (const record of usd) await resync(record, 'purchase_order')
    await succeeded(world)
    await succeeded(world)
    for (const record of usd) {
      const after = await PurchaseOrderRecord.findOrFail(record.id)
      assert.equal(after.status, 'synced', after.faultReason ?? '')
      const copies = org.purchaseOrders.filter((po) => po.PurchaseOrderNumber === after.poNumber)
      assert.lengthOf(copies, 1)
      assert.equal(copies[0].CurrencyCode, 'USD')
      assert.equal(new Decimal(copies[0].SubTotal).toFixed(2), after.subtotal.toFixed(2))
    }
    assert.deepEqual(world.xero.state.violations, [])
  }).timeout(90_000)
})
