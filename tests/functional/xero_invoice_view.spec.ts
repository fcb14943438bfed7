import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { resetDatabase } from '#tests/helpers/database'
import { connectedProduct, startStrictXeroSandbox, xeroStackFor } from '#tests/helpers/xero_sandbox'
import { XERO_SANDBOX_TAX_TYPES, type XeroSandbox } from '#sandbox/xero/index'
import { XeroGateway } from '#integrations/xero/xero_gateway'
import { xeroConnectionOf } from '#sync/product_connections'
import { Clock, FixedClock } from '#sync/clock'
import { forgetXeroInvoiceViews } from '#services/xero_invoice_view_service'
import { UserFactory } from '#database/factories/user_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import Product from '#models/product'
import { Decimal } from 'decimal.js'

/** GET /Invoices/{id} requests the sandbox answered. */
function invoiceReads(xero: XeroSandbox) {
  return xero.state.requestLog.filter(
    (entry) => entry.method === 'GET' && /^\/api\.xro\/2\.0\/Invoices\/[^/]+$/.test(entry.path)
  )
}

test.group('View originals: what Xero holds', (group) => {
  let xero: XeroSandbox
  let clock: FixedClock
  group.each.setup(async () => {
    await resetDatabase()
    forgetXeroInvoiceViews()
    xero = await startStrictXeroSandbox()
    const stack = xeroStackFor(xero, { timeoutMs: 15_000 })
    clock = new FixedClock()
    app.container.swap(XeroGateway, () => stack.gateway)
    app.container.swap(Clock, () => clock)
    return async () => {
      app.container.restoreAll([XeroGateway, Clock])
      await xero.close()
    }
  })

  /** An owner, a product connected to the sandbox's NZ organisation, and an invoice pushed there. */
  async function pushedInvoice() {
    const product = await Product.findOrFail((await connectedProduct(xero)).id)
    const owner = await UserFactory.merge({ accountId: product.accountId }).create()
    const gateway = await app.container.make(XeroGateway)
    const [created] = await gateway.createInvoices(xeroConnectionOf(product), [
      {
        type: 'ACCREC',
        contact: { name: 'Harbour Plumbing Ltd' },
        invoiceNumber: 'AT-1011',
        reference: 'PO 77',
        date: '2026-11-10',
        dueDate: '2026-12-10',
        status: 'AUTHORISED',
        lineAmountTypes: 'Exclusive',
        currencyCode: 'NZD',
        lineItems: [
          {
            description: 'Managed services, November',
            quantity: '2',
            unitAmount: '65449.7435',
            accountCode: '200',
            taxType: XERO_SANDBOX_TAX_TYPES.gstOnIncome,
          },
        ],
      },
    ])
    if (!created.ok) throw new Error(created.messages.join('; '))
    const invoice = await InvoiceRecordFactory.merge({
      productId: product.id,
      invoiceNumber: 'AT-1011',
      xeroInvoiceNumber: created.value.invoiceNumber,
      subtotal: new Decimal('130899.49'),
      taxTotal: new Decimal('19634.92'),
      total: new Decimal('150534.41'),
    })
      .apply('synced')
      .create()
    // The factory's synced state links a random id; this one links the invoice just pushed.
    invoice.xeroInvoiceId = created.value.invoiceId
    await invoice.save()
    xero.state.clearLog()
    return { owner, product, invoice, xeroInvoice: created.value }
  }

  test('the Xero side reads the invoice from Xero: status, contact, lines, tax, totals and amount due', async ({
    client,
    assert,
  }) => {
    const { owner, product, invoice } = await pushedInvoice()
    const base = `/products/${product.id}/invoices/${invoice.id}/originals`

    // The dialog renders at once with a slot that reads Xero; opening it costs no Xero call yet.
    const dialog = await client.get(base).header('HX-Request', 'true').loginAs(owner)
    dialog.assertStatus(200)
    assert.include(dialog.text(), `hx-get="${base}/xero"`)
    assert.lengthOf(invoiceReads(xero), 0)

    const slot = await client
      .get(`${base}/xero`)
      .header('HX-Request', 'true')
      .header('Accept-Language', 'en-NZ,en;q=0.8')
      .loginAs(owner)
    slot.assertStatus(200)
    const html = slot.text()
    assert.notInclude(html, '<html')
    assert.lengthOf(invoiceReads(xero), 1)
    assert.match(html, /data-testid="xero-status">AUTHORISED</)
    assert.match(html, /data-testid="xero-contact">Harbour Plumbing Ltd</)
    assert.include(html, 'Managed services, November')
    assert.include(html, 'OUTPUT2')
    // 2 × 65,449.7435 = 130,899.487 → 130,899.49; GST 15 % = 19,634.92 (the sandbox's per-line rounding).
    assert.include(html, 'NZD\u00a0130,899.49')
    assert.include(html, 'NZD\u00a019,634.92')
    assert.include(html, 'NZD\u00a0150,534.41')
    assert.match(html, /data-testid="xero-amount-due"><strong>NZD\u00a0150,534.41</)
    assert.notInclude(html, 'xero-total-differs')

    // Re-opened within the minute: the same facts, no second call to Xero.
    clock.advance({ seconds: 30 })
    const again = await client.get(`${base}/xero`).header('HX-Request', 'true').loginAs(owner)
    assert.include(again.text(), 'NZD\u00a0150,534.41')
    assert.include(again.text(), 'kept for a minute')
    assert.lengthOf(invoiceReads(xero), 1)

    // Paid in Xero meanwhile: after the minute the view reads it afresh and shows nothing due.
    xero.state.markInvoicePaid('AT-1011')
    clock.advance({ seconds: 31 })
    const fresh = await client.get(`${base}/xero`).header('HX-Request', 'true').loginAs(owner)
    assert.lengthOf(invoiceReads(xero), 2)
    assert.match(fresh.text(), /data-testid="xero-status">PAID</)
    assert.match(fresh.text(), /data-testid="xero-amount-due"><strong>NZD\u00a00.00</)
  })

  test('an invoice deleted in Xero, or Xero down, says so in words and offers to try again', async ({
    client,
    assert,
  }) => {
    const { owner, product, invoice, xeroInvoice } = await pushedInvoice()
    const url = `/products/${product.id}/invoices/${invoice.id}/originals/xero`
    // Xero down (a 503; the gateway retries a few times, so it is down for every one): said in words, nothing cached.
    xero.state.faults.push({
      kind: '503',
      remaining: 20,
      pathContains: '/Invoices/',
      method: 'GET',
      problem: 'minute',
      retryAfterSeconds: null,
    })
    const down = await client.get(url).header('HX-Request', 'true').loginAs(owner)
    down.assertStatus(200)
    assert.include(down.text(), 'Xero did not answer, so the invoice cannot be shown right now')
    assert.include(down.text(), 'Try again')
    xero.state.faults = []

    const org = xero.state.organisations.find((o) => o.tenantId === product.xeroTenantId)!
    org.invoices = org.invoices.filter((i) => i.InvoiceID !== xeroInvoice.invoiceId)

    const gone = await client.get(url).header('HX-Request', 'true').loginAs(owner)
    gone.assertStatus(200)
    assert.include(gone.text(), 'data-testid="xero-original-error"')
    assert.include(gone.text(), 'Xero has no invoice')
    assert.include(gone.text(), 'Try again')
    assert.notInclude(gone.text(), product.xeroTokens!.accessToken)
  })

  test('a product without a Xero connection says how to connect, and offers no pointless retry', async ({
    client,
    assert,
  }) => {
    const { owner, product, invoice } = await pushedInvoice()
    await Product.query().where('id', product.id).update({ xero_tokens: null })
    const response = await client
      .get(`/products/${product.id}/invoices/${invoice.id}/originals/xero`)
      .header('HX-Request', 'true')
      .loginAs(owner)
    response.assertStatus(200)
    assert.include(response.text(), 'not connected to a Xero organisation')
    assert.include(response.text(), invoice.xeroInvoiceNumber!)
    assert.notInclude(response.text(), 'Try again')
    assert.lengthOf(invoiceReads(xero), 0)
  })
})
