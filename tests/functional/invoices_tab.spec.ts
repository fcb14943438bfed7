import { test } from '@japa/runner'
import ExcelJS from 'exceljs'
import { Decimal } from 'decimal.js'
import { resetDatabase } from '#tests/helpers/database'
import { assertLogged, assertRecordStatus } from '#tests/helpers/assertions'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import { PurchaseOrderRecordFactory } from '#database/factories/purchase_order_record_factory'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import { toSqlDateTime } from '#models/columns'
import { asBytes } from '#tests/helpers/downloads'

async function ownerWithProduct() {
  const owner = await UserFactory.with('account').create()
  const product = await ProductFactory.merge({ accountId: owner.accountId, name: 'Books' }).create()
  return { owner, product }
}

test.group('Invoices tab', (group) => {
  group.each.setup(resetDatabase)

  test('lists the invoices newest first with their status in words', async ({ client, assert }) => {
    const { owner, product } = await ownerWithProduct()
    await InvoiceRecordFactory.merge({ productId: product.id, invoiceNumber: 'OLD-1' })
      .tap((i) => (i.invoiceDate = i.invoiceDate!.minus({ years: 1 })))
      .create()
    await InvoiceRecordFactory.merge({ productId: product.id, invoiceNumber: 'NEW-1' })
      .apply('fault')
      .create()

    const response = await client.get(`/products/${product.id}/invoices`).loginAs(owner)
    response.assertStatus(200)
    response.assertHeader('vary', 'HX-Request')
    const html = response.text()
    assert.isBelow(html.indexOf('NEW-1'), html.indexOf('OLD-1'))
    assert.include(html, 'Fault')
    assert.include(html, 'Pending Sync')
  })

  test('a row shows its date, its total to the cent and its paid date as stored', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    const { DateTime } = await import('luxon')
    await InvoiceRecordFactory.merge({
      productId: product.id,
      invoiceNumber: 'PAID-1',
      invoiceDate: DateTime.fromISO('2026-02-03', { zone: 'utc' }),
      total: new Decimal('1234.5'),
      currency: 'NZD',
      paymentState: 'paid',
      paidDate: DateTime.fromISO('2026-11-20', { zone: 'utc' }),
    }).create()
    // Four decimals stored: shown rounded half away from zero, as before.
    await InvoiceRecordFactory.merge({
      productId: product.id,
      invoiceNumber: 'HALF-1',
      total: new Decimal('-2.125'),
      currency: 'NZD',
    }).create()

    const html = (await client.get(`/products/${product.id}/invoices`).loginAs(owner)).text()
    const row = (number: string) =>
      [...html.matchAll(/<tr data-testid="record-row">[\s\S]*?<\/tr>/g)]
        .map((match) => match[0])
        .find((text) => text.includes(`${number} <span`))!
    assert.match(row('PAID-1'), /<td class="cell-date is-nowrap">2026-02-03<\/td>/)
    assert.include(row('PAID-1'), 'NZD\u00a01,234.50')
    assert.include(row('PAID-1'), 'Paid 2026-11-20')
    assert.include(row('HALF-1'), '-NZD\u00a02.13')
  })

  test('search as you type returns only the grid fragment, matching number, company or Autotask id', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await InvoiceRecordFactory.merge({
      productId: product.id,
      invoiceNumber: 'INV-100',
      companyName: 'Contoso',
    }).create()
    await InvoiceRecordFactory.merge({
      productId: product.id,
      invoiceNumber: 'INV-200',
      companyName: 'Fabrikam',
      autotaskId: 987654,
    }).create()

    for (const [q, expected, absent] of [
      ['INV-1', 'INV-100', 'INV-200'],
      ['fabri', 'INV-200', 'INV-100'],
      ['987654', 'INV-200', 'INV-100'],
    ]) {
      const response = await client
        .get(`/products/${product.id}/invoices`)
        .qs({ q })
        .header('HX-Request', 'true')
        .header('HX-Target', 'records-table')
        .loginAs(owner)
      response.assertStatus(200)
      assert.include(response.text(), expected)
      assert.notInclude(response.text(), absent)
      assert.notInclude(response.text(), '<html')
    }
  })

  test('the grid polls for updates only while a row waits for the engine', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    const pending = await InvoiceRecordFactory.merge({ productId: product.id }).create()
    const waiting = await client.get(`/products/${product.id}/invoices`).loginAs(owner)
    assert.include(waiting.text(), 'hx-trigger="records-changed from:body, every 10s"')
    await InvoiceRecord.query().where('id', pending.id).update({ status: 'synced' })
    const settled = await client.get(`/products/${product.id}/invoices`).loginAs(owner)
    assert.include(settled.text(), 'hx-trigger="records-changed from:body"')
  })

  test('the status filter (where the fault button lands) shows only faults', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await InvoiceRecordFactory.merge({ productId: product.id, invoiceNumber: 'BAD-1' })
      .apply('fault')
      .create()
    await InvoiceRecordFactory.merge({ productId: product.id, invoiceNumber: 'GOOD-1' })
      .apply('synced')
      .create()
    const response = await client
      .get(`/products/${product.id}/invoices`)
      .qs({ status: 'fault' })
      .loginAs(owner)
    assert.include(response.text(), 'BAD-1')
    assert.notInclude(response.text(), 'GOOD-1')
  })

  test('a bad query string is a validation error, not a crash', async ({ client }) => {
    const { owner, product } = await ownerWithProduct()
    const response = await client
      .get(`/products/${product.id}/invoices`)
      .qs({ status: 'exploded', page: '-3' })
      .header('Accept', 'application/json')
      .loginAs(owner)
    response.assertStatus(422)
  })

  test('the status dialog shows the fault reason, the hint and the step-through log', async ({
    client,
  }) => {
    const { owner, product } = await ownerWithProduct()
    const invoice = await InvoiceRecordFactory.merge({ productId: product.id })
      .apply('fault')
      .create()
    await product.related('logs').create({
      invoiceRecordId: invoice.id,
      autotaskId: invoice.autotaskId,
      level: 'error',
      event: 'invoice.fault',
      message: 'Tax region "GST NZ" is not mapped',
    })
    const response = await client
      .get(`/products/${product.id}/invoices/${invoice.id}`)
      .header('HX-Request', 'true')
      .loginAs(owner)
    response.assertStatus(200)
    response.assertTextIncludes('<dialog id="record-dialog"')
    response.assertTextIncludes('Map it in Settings → Tax')
    response.assertTextIncludes('Tax region &quot;GST NZ&quot; is not mapped')
    response.assertTextIncludes('No Xero document is linked yet')
  })

  test('resync moves a faulted invoice to Pending Sync, logs who, and wakes the engine', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    const invoice = await InvoiceRecordFactory.merge({ productId: product.id, attempts: 8 })
      .apply('fault')
      .create()
    const response = await client
      .post(`/products/${product.id}/invoices/${invoice.id}/resync`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
    response.assertStatus(200)
    response.assertHeader('hx-trigger', 'records-changed')
    response.assertTextIncludes('Pending Sync')

    const reloaded = await InvoiceRecord.findOrFail(invoice.id)
    assert.equal(reloaded.status, 'pending')
    assert.equal(reloaded.attempts, 0)
    assert.isNull(reloaded.faultReason)
    assert.isNotNull((await Product.findOrFail(product.id)).syncRequestedAt)
    await assertLogged(product.id, 'invoice.resync', [`Fault → Pending Sync by ${owner.email}`])
  })

  test('resync of a synced invoice explains it will be updated in place', async ({ client }) => {
    const { owner, product } = await ownerWithProduct()
    const invoice = await InvoiceRecordFactory.merge({
      productId: product.id,
      xeroInvoiceNumber: 'INV-0042',
    })
      .apply('synced')
      .create()
    const response = await client
      .get(`/products/${product.id}/invoices/${invoice.id}`)
      .loginAs(owner)
    response.assertTextIncludes('INV-0042')
    response.assertTextIncludes('updates that one in place')
  })

  test('a move that does not apply is refused with the reason and changes nothing', async ({
    client,
  }) => {
    const { owner, product } = await ownerWithProduct()
    const invoice = await InvoiceRecordFactory.merge({ productId: product.id }).create()
    const response = await client
      .post(`/products/${product.id}/invoices/${invoice.id}/unskip`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
    response.assertStatus(422)
    response.assertTextIncludes('Only a skipped invoice can be unskipped')
    await assertRecordStatus(invoice, 'pending')
  })

  test('skip then unskip, and only staff run diagnostics', async ({ client }) => {
    const { owner, product } = await ownerWithProduct()
    const invoice = await InvoiceRecordFactory.merge({ productId: product.id })
      .apply('fault')
      .create()
    const act = (action: string, user = owner) =>
      client
        .post(`/products/${product.id}/invoices/${invoice.id}/${action}`)
        .withCsrfToken()
        .loginAs(user)
        .redirects(0)

    ;(await act('skip')).assertStatus(302)
    await assertRecordStatus(invoice, 'skipped')
    ;(await act('unskip')).assertStatus(302)
    await assertRecordStatus(invoice, 'pending')
    ;(await act('diagnose')).assertStatus(403)

    const staff = await UserFactory.merge({ accountId: owner.accountId }).apply('staff').create()
    ;(await act('diagnose', staff)).assertStatus(302)
    await assertRecordStatus(invoice, 'diagnostic')
    ;(await act('release', staff)).assertStatus(302)
    await assertRecordStatus(invoice, 'pending')
  })

  test('viewers see the dialog without actions and are refused them', async ({
    client,
    assert,
  }) => {
    const viewer = await UserFactory.with('account').apply('viewer').create()
    const product = await ProductFactory.merge({ accountId: viewer.accountId }).create()
    const invoice = await InvoiceRecordFactory.merge({ productId: product.id })
      .apply('fault')
      .create()
    const dialog = await client
      .get(`/products/${product.id}/invoices/${invoice.id}`)
      .loginAs(viewer)
    dialog.assertStatus(200)
    assert.notInclude(dialog.text(), 'data-testid="action-skip"')
    const response = await client
      .post(`/products/${product.id}/invoices/${invoice.id}/skip`)
      .withCsrfToken()
      .loginAs(viewer)
    response.assertStatus(403)
    await assertRecordStatus(invoice, 'fault')
  })

  test("another account's invoice is a 404 for view, actions and originals", async ({ client }) => {
    const { product } = await ownerWithProduct()
    const invoice = await InvoiceRecordFactory.merge({ productId: product.id })
      .apply('fault')
      .create()
    const stranger = await UserFactory.with('account').create()
    for (const request of [
      client.get(`/products/${product.id}/invoices`),
      client.get(`/products/${product.id}/invoices/${invoice.id}`),
      client.get(`/products/${product.id}/invoices/${invoice.id}/original`),
      client.get(`/products/${product.id}/invoices/export/csv`),
      client.post(`/products/${product.id}/invoices/${invoice.id}/skip`).withCsrfToken(),
    ]) {
      const response = await request.loginAs(stranger)
      response.assertStatus(404)
    }
    await assertRecordStatus(invoice, 'fault')
  })

  test('the Autotask original is served under a CSP sandbox', async ({ client }) => {
    const { owner, product } = await ownerWithProduct()
    const invoice = await InvoiceRecordFactory.merge({
      productId: product.id,
      autotaskHtml: '<h1>Invoice 55</h1><script>alert(1)</script>',
    }).create()
    const response = await client
      .get(`/products/${product.id}/invoices/${invoice.id}/original`)
      .loginAs(owner)
    response.assertStatus(200)
    response.assertTextIncludes('<h1>Invoice 55</h1>')
    response.assertHeader(
      'content-security-policy',
      "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    )
  })
})

test.group('Exports', (group) => {
  group.each.setup(resetDatabase)

  test('CSV export holds the filtered list, quoted and safe from formulas', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await InvoiceRecordFactory.merge({
      productId: product.id,
      invoiceNumber: 'A-1',
      companyName: '=HYPERLINK("x"), Ltd',
      total: new Decimal('10.5'),
    })
      .apply('fault')
      .create()
    await InvoiceRecordFactory.merge({ productId: product.id, invoiceNumber: 'B-1' })
      .apply('synced')
      .create()
    const response = await client
      .get(`/products/${product.id}/invoices/export/csv`)
      .qs({ status: 'fault' })
      .loginAs(owner)
    response.assertStatus(200)
    response.assertHeader('content-type', 'text/csv; charset=utf-8')
    assert.match(
      response.header('content-disposition') ?? '',
      /attachment; filename="invoices-\d+-[\d-]+\.csv"/
    )
    const lines = response
      .text()
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    assert.lengthOf(lines, 2)
    assert.match(lines[0], /^Autotask ID,Invoice number,Company,Date/)
    assert.include(lines[1], `"'=HYPERLINK(""x""), Ltd"`)
    assert.include(lines[1], ',10.5,Fault,')
    assert.notInclude(response.text(), 'B-1')
  })

  test('Excel export of 2,500 invoices parses back with every row', async ({ client, assert }) => {
    const { owner, product } = await ownerWithProduct()
    const rows = Array.from({ length: 2500 }, (_, index) => ({
      product_id: product.id,
      autotask_id: 100000 + index,
      invoice_number: `X-${index}`,
      company_name: 'Bulk Co',
      invoice_date: '2026-11-01',
      subtotal: '100.0000',
      tax_total: '15.0000',
      total: '115.0000',
      currency: 'NZD',
      status: 'synced',
      attempts: 0,
      created_at: toSqlDateTime(),
      updated_at: toSqlDateTime(),
    }))
    const { default: db } = await import('@adonisjs/lucid/services/db')
    for (let i = 0; i < rows.length; i += 500)
      await db.table('invoice_records').multiInsert(rows.slice(i, i + 500))

    const response = await client
      .get(`/products/${product.id}/invoices/export/xlsx`)
      .loginAs(owner)
      .setup(asBytes)
    response.assertStatus(200)
    response.assertHeader(
      'content-type',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    )
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(response.body())
    const sheet = workbook.getWorksheet('Invoices')!
    assert.equal(sheet.rowCount, 2501)
    assert.equal(sheet.getRow(1).getCell(2).value, 'Invoice number')
    assert.equal(sheet.getRow(2).getCell(6).value, 115)
  })
})

test.group('Purchase Orders and Sync Logs tabs', (group) => {
  group.each.setup(resetDatabase)

  test('the Purchase Orders tab lists POs with vendor and search', async ({ client, assert }) => {
    const { owner, product } = await ownerWithProduct()
    await PurchaseOrderRecordFactory.merge({
      productId: product.id,
      poNumber: 'PO-77',
      vendorName: 'Ingram',
    }).create()
    await PurchaseOrderRecordFactory.merge({
      productId: product.id,
      poNumber: 'PO-88',
      vendorName: 'Dicker',
    }).create()
    const response = await client
      .get(`/products/${product.id}/purchase-orders`)
      .qs({ q: 'ingr' })
      .loginAs(owner)
    response.assertStatus(200)
    assert.include(response.text(), 'PO-77')
    assert.notInclude(response.text(), 'PO-88')
    assert.include(response.text(), 'Vendor')
  })

  test('the Sync Logs tab searches text, Autotask id and date, newest first', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    const write = (message: string, autotaskId: number | null = null) =>
      product.related('logs').create({ level: 'info', event: 'test', message, autotaskId })
    await write('Contact Contoso created in Xero', 11)
    await write('Invoice 1001 synced as INV-0001', 22)
    await write('Invoice 1002 synced as INV-0002', 33)

    const all = await client.get(`/products/${product.id}/logs`).loginAs(owner)
    const html = all.text()
    assert.isBelow(html.indexOf('Invoice 1002'), html.indexOf('Invoice 1001'))

    const byText = await client
      .get(`/products/${product.id}/logs`)
      .qs({ q: 'contoso' })
      .header('HX-Request', 'true')
      .header('HX-Target', 'log-lines')
      .loginAs(owner)
    assert.include(byText.text(), 'Contact Contoso created')
    assert.notInclude(byText.text(), 'Invoice 1001')
    assert.notInclude(byText.text(), '<html')

    const byId = await client
      .get(`/products/${product.id}/logs`)
      .qs({ autotaskId: 33 })
      .loginAs(owner)
    assert.include(byId.text(), 'Invoice 1002')
    assert.notInclude(byId.text(), 'Invoice 1001')

    const future = await client
      .get(`/products/${product.id}/logs`)
      .qs({ from: '2999-01-01' })
      .loginAs(owner)
    future.assertTextIncludes('No log lines match.')
  })

  test('each Sync Logs line shows its time as the stored UTC instant, searched or not', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await product.related('logs').create({
      level: 'info',
      event: 'test',
      message: 'Contact Contoso created in Xero',
      autotaskId: 44,
    })
    await product.related('logs').query().update({ created_at: '2026-03-04 05:06:07' })
    const time = '<time datetime="2026-03-04T05:06:07.000Z">2026-03-04 05:06:07</time>'
    for (const qs of [{}, { q: 'contoso' }, { autotaskId: 44 }]) {
      const html = (await client.get(`/products/${product.id}/logs`).qs(qs).loginAs(owner)).text()
      assert.include(html, 'Contact Contoso created in Xero', JSON.stringify(qs))
      assert.include(html, time, JSON.stringify(qs))
    }
  })

  test('a date range that ends before it starts is refused', async ({ client }) => {
    const { owner, product } = await ownerWithProduct()
    const response = await client
      .get(`/products/${product.id}/logs`)
      .qs({ from: '2026-02-01', to: '2026-01-01' })
      .header('Accept', 'application/json')
      .loginAs(owner)
    response.assertStatus(422)
  })
})
