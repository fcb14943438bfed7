import { test } from '@japa/runner'
import { XERO_SANDBOX_ACCOUNT_CODES, XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { DEFAULT_SANDBOX_SCOPE } from '#sandbox/xero/scopes'
import { startStrictXeroSandbox } from '#tests/helpers/xero_sandbox'

/*
| The Xero sandbox's line arithmetic and tax rates, as the contract (reference/xero_accounting.yaml,
| LineItem.LineAmount / TaxAmount / DiscountRate, PUT /TaxRates) says Xero does them. Strict mode:
| every request is also checked against the contract.
*/

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

async function sandboxWithToken(cleanup: (fn: () => Promise<void>) => void) {
  const sandbox = await startStrictXeroSandbox()
  cleanup(() => sandbox.close())
  const { accessToken } = sandbox.state.connect(
    [NZ],
    DEFAULT_SANDBOX_SCOPE.replace('accounting.settings.read', 'accounting.settings')
  )
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${sandbox.apiUrl}${path}`, {
      method,
      headers: {
        'authorization': `Bearer ${accessToken}`,
        'xero-tenant-id': NZ,
        'accept': 'application/json',
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    })
    return { status: response.status, body: (await response.json()) as any }
  }
  return { sandbox, call }
}

const invoiceWith = (lines: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({
  Invoices: [
    {
      Type: 'ACCREC',
      Contact: { Name: 'Acme Manufacturing Ltd' },
      Date: '2026-11-02',
      Status: 'DRAFT',
      LineAmountTypes: 'Exclusive',
      LineItems: lines.map((line) => ({
        Description: 'Work',
        AccountCode: XERO_SANDBOX_ACCOUNT_CODES.sales,
        TaxType: 'OUTPUT2',
        ...line,
      })),
      ...extra,
    },
  ],
})

test.group('Xero sandbox: line arithmetic', () => {
  test('DiscountRate: LineAmount = Q × U × (100 − discount) / 100, and tax on that', async ({
    assert,
    cleanup,
  }) => {
    const { call, sandbox } = await sandboxWithToken(cleanup)
    const answer = await call(
      'PUT',
      '/Invoices?unitdp=4',
      invoiceWith([{ Quantity: 3, UnitAmount: 33.3333, DiscountRate: 12.5 }])
    )
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    const [invoice] = answer.body.Invoices
    // 3 × 33.3333 = 99.9999 × 0.875 = 87.4999125 → 87.50; 15 % → 13.125 → 13.13
    assert.equal(invoice.LineItems[0].LineAmount, 87.5)
    assert.equal(invoice.LineItems[0].DiscountRate, 12.5)
    assert.equal(invoice.LineItems[0].TaxAmount, 13.13)
    assert.equal(invoice.Total, 100.63)

    const wrong = await call(
      'PUT',
      '/Invoices?unitdp=4&summarizeErrors=false',
      invoiceWith([{ Quantity: 2, UnitAmount: 50, DiscountRate: 10, LineAmount: 100 }])
    )
    assert.include(
      JSON.stringify(wrong.body.Invoices[0].ValidationErrors),
      'The line total 100.00 does not match the expected line total 90.00'
    )
    assert.deepEqual(sandbox.state.violations, [])
  })

  test('a line given only a LineAmount is 1 × that amount; a missing Quantity or UnitAmount is worked out', async ({
    assert,
    cleanup,
  }) => {
    const { call } = await sandboxWithToken(cleanup)
    const answer = await call(
      'PUT',
      '/Invoices?unitdp=4',
      invoiceWith([
        { LineAmount: 40 },
        { UnitAmount: 12.5, LineAmount: 50 },
        { Quantity: 4, LineAmount: 10 },
      ])
    )
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    const lines = answer.body.Invoices[0].LineItems
    assert.deepEqual(
      lines.map((line: any) => [line.Quantity, line.UnitAmount, line.LineAmount]),
      [
        [1, 40, 40],
        [4, 12.5, 50],
        [4, 2.5, 10],
      ]
    )
    assert.equal(answer.body.Invoices[0].SubTotal, 100)
    assert.equal(answer.body.Invoices[0].TotalTax, 15)
  })

  test('a TaxAmount given on a line is kept instead of the computed one', async ({
    assert,
    cleanup,
  }) => {
    const { call } = await sandboxWithToken(cleanup)
    const answer = await call(
      'PUT',
      '/Invoices?unitdp=4',
      invoiceWith([{ Quantity: 1, UnitAmount: 100, TaxAmount: 14.99 }])
    )
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    const [invoice] = answer.body.Invoices
    assert.equal(invoice.LineItems[0].TaxAmount, 14.99)
    assert.equal(invoice.TotalTax, 14.99)
    assert.equal(invoice.Total, 114.99)
  })

  test('a bill takes no discount', async ({ assert, cleanup }) => {
    const { call } = await sandboxWithToken(cleanup)
    const body = invoiceWith(
      [{ Quantity: 1, UnitAmount: 100, DiscountRate: 10, TaxType: 'INPUT2' }],
      {
        Type: 'ACCPAY',
      }
    )
    const answer = await call('PUT', '/Invoices?summarizeErrors=false', body)
    assert.include(
      JSON.stringify(answer.body.Invoices[0].ValidationErrors),
      'Discounts are only supported on sales invoices (ACCREC).'
    )
  })
})

test.group('Xero sandbox: tax rates added to an organisation', () => {
  test('PUT /TaxRates adds a rate Xero names, which invoices can then use', async ({
    assert,
    cleanup,
  }) => {
    const { call, sandbox } = await sandboxWithToken(cleanup)
    const created = await call('PUT', '/TaxRates', {
      TaxRates: [
        {
          Name: 'Australian GST 10%',
          ReportTaxType: 'OUTPUT',
          TaxComponents: [{ Name: 'GST', Rate: 10, IsCompound: false, IsNonRecoverable: false }],
        },
      ],
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const [rate] = created.body.TaxRates
    assert.match(rate.TaxType, /^TAX\d{3}$/)
    assert.equal(rate.EffectiveRate, 10)
    assert.equal(rate.Status, 'ACTIVE')

    const listed = await fetch(`${sandbox.apiUrl}/TaxRates`, {
      headers: {
        'authorization': `Bearer ${sandbox.state.connect([NZ]).accessToken}`,
        'xero-tenant-id': NZ,
        'accept': 'application/json',
      },
    })
    const names = ((await listed.json()) as any).TaxRates.map((entry: any) => entry.Name)
    assert.include(names, 'Australian GST 10%')

    const invoice = await call(
      'PUT',
      '/Invoices',
      invoiceWith([{ Quantity: 1, UnitAmount: 100, TaxType: rate.TaxType }])
    )
    assert.equal(invoice.status, 200, JSON.stringify(invoice.body))
    assert.equal(invoice.body.Invoices[0].TotalTax, 10)

    const again = await call('PUT', '/TaxRates', {
      TaxRates: [{ Name: 'Australian GST 10%', TaxComponents: [{ Name: 'GST', Rate: 10 }] }],
    })
    assert.equal(again.status, 400)
    assert.include(
      JSON.stringify(again.body),
      "A tax rate named 'Australian GST 10%' already exists."
    )
    const empty = await call('PUT', '/TaxRates', { TaxRates: [{ Name: 'Nothing' }] })
    assert.equal(empty.status, 400)
    assert.include(JSON.stringify(empty.body), 'at least one tax component')
    assert.deepEqual(sandbox.state.violations, [])
  })
})

test.group('Xero sandbox: currencies of an organisation', () => {
  test('GET /Currencies lists the base currency; a document in another is refused until PUT /Currencies adds it', async ({
    assert,
    cleanup,
  }) => {
    const { call, sandbox } = await sandboxWithToken(cleanup)
    const listed = await fetch(`${sandbox.apiUrl}/Currencies`, {
      headers: {
        'authorization': `Bearer ${sandbox.state.connect([NZ]).accessToken}`,
        'xero-tenant-id': NZ,
        'accept': 'application/json',
      },
    })
    assert.deepEqual(((await listed.json()) as any).Currencies, [
      { Code: 'NZD', Description: 'New Zealand Dollar' },
    ])

    const line = [{ Quantity: 2, UnitAmount: 100 }]
    const refused = await call(
      'PUT',
      '/Invoices?summarizeErrors=false',
      invoiceWith(line, { CurrencyCode: 'USD' })
    )
    assert.deepEqual(
      refused.body.Invoices[0].ValidationErrors.map((error: any) => error.Message),
      ['Organisation is not subscribed to currency USD']
    )
    const order = await call('PUT', '/PurchaseOrders?summarizeErrors=false', {
      PurchaseOrders: [
        {
          Contact: { Name: 'Acme Manufacturing Ltd' },
          Date: '2026-11-02',
          CurrencyCode: 'USD',
          LineItems: [
            {
              Description: 'Router',
              Quantity: 1,
              UnitAmount: 50,
              AccountCode: '300',
              TaxType: 'INPUT2',
            },
          ],
        },
      ],
    })
    assert.include(
      JSON.stringify(order.body.PurchaseOrders[0].ValidationErrors),
      'Organisation is not subscribed to currency USD'
    )

    const added = await call('PUT', '/Currencies', {
      Code: 'USD',
      Description: 'United States Dollar',
    })
    assert.equal(added.status, 200, JSON.stringify(added.body))
    assert.deepEqual(added.body.Currencies, [{ Code: 'USD', Description: 'US Dollar' }])
    const again = await call('PUT', '/Currencies', { Code: 'USD' })
    assert.equal(again.status, 400)
    const bogus = await call('PUT', '/Currencies', { Code: 'QQQ' })
    assert.equal(bogus.status, 400)
    assert.include(JSON.stringify(bogus.body), "'QQQ' is not a valid currency code.")

    const accepted = await call('PUT', '/Invoices', invoiceWith(line, { CurrencyCode: 'USD' }))
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body))
    const [invoice] = accepted.body.Invoices
    assert.equal(invoice.CurrencyCode, 'USD')
    assert.equal(invoice.SubTotal, 200)
    assert.equal(invoice.Total, 230)
    // Only the deliberately bad code breaks the contract (CurrencyCode is an enum there).
    assert.deepEqual(
      sandbox.state.violations.map((violation) => [violation.path, violation.errors]),
      [['/Currencies', ['/requestBody/Code must be equal to one of the allowed values']]]
    )
  })
})
