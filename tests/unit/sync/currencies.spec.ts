import { test } from '@japa/runner'
import { Decimal } from 'decimal.js'
import InvoiceRecord from '#models/invoice_record'
import { defaultProductSettings } from '#models/product'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import type { Currency } from '#integrations/autotask/types'
import type { XeroGateway } from '#integrations/xero/xero_gateway'
import { RunCurrencies, UNKNOWN_CURRENCY } from '#sync/currencies'
import { mapInvoice } from '#sync/invoice_mapper'

/** Autotask's and Xero's currency lists, counting how often each is read. */
function currenciesOf(autotask: Partial<Currency>[], xero: string[]) {
  const reads = { autotask: 0, xero: 0 }
  const currencies = new RunCurrencies({
    autotask: {
      currencies: async () => {
        reads.autotask++
        return autotask.map((currency) => ({
          isActive: true,
          isInternalCurrency: false,
          ...currency,
        }))
      },
    } as unknown as AutotaskClient,
    xero: {
      getCurrencies: async () => {
        reads.xero++
        return xero.map((code) => ({ code, description: code }))
      },
    } as unknown as XeroGateway,
    connection: () => ({ tenantId: 't', productId: 1 }) as any,
    productCurrency: () => 'NZD',
  })
  return { currencies, reads }
}

const MULTI = [
  { id: 1, name: 'NZD', isInternalCurrency: true },
  { id: 2, name: 'USD' },
  { id: 3, name: 'GBP' },
]

function usdInvoice(autotaskCurrencyId: number | null, currency: string) {
  const record = new InvoiceRecord()
  Object.assign(record, {
    id: 7,
    productId: 3,
    autotaskId: 99,
    invoiceNumber: 'INV-7',
    total: new Decimal('115'),
    currency,
    autotaskCurrencyId,
    autotaskTaxRegionId: 7,
    autotaskTaxRegionName: 'GST',
    lines: [
      {
        autotaskId: 1,
        description: 'Work',
        quantity: '1',
        rate: '100',
        extendedPrice: '100',
        taxDollars: '15',
        billingCodeId: 5,
      },
    ],
  })
  return record
}

test.group('Currencies of a run', () => {
  test("the company's currency with the Multi-currency module; the product's without; 'XXX' for an id Autotask does not list", async ({
    assert,
  }) => {
    const { currencies, reads } = currenciesOf(MULTI, [])
    assert.deepEqual(await currencies.ofCompany({ currencyID: null }), {
      currency: 'NZD',
      autotaskCurrencyId: null,
    })
    assert.equal(reads.autotask, 0, 'no company names a currency: Autotask is not asked')
    assert.deepEqual(await currencies.ofCompany({ currencyID: 2 }), {
      currency: 'USD',
      autotaskCurrencyId: 2,
    })
    assert.deepEqual(await currencies.ofCompany({ currencyID: 42 }), {
      currency: UNKNOWN_CURRENCY,
      autotaskCurrencyId: 42,
    })
    assert.equal(reads.autotask, 1, 'read once per run')

    // Only the internal currency active: the module is not in use, the product's currency stands.
    const single = currenciesOf([{ id: 1, name: 'USD', isInternalCurrency: true }], [])
    assert.deepEqual(await single.currencies.ofCompany({ currencyID: 1 }), {
      currency: 'NZD',
      autotaskCurrencyId: null,
    })
  })

  test("Xero's list is read once, and only when a record is in an Autotask currency; the mapper sends it or faults", async ({
    assert,
  }) => {
    const { currencies, reads } = currenciesOf(MULTI, ['NZD', 'USD'])
    const context = {
      taxTypes: new Map([['7', 'OUTPUT2']]),
      accounts: new Map([['5', '200']]),
      taxRates: new Map([['OUTPUT2', new Decimal('15')]]),
      settings: defaultProductSettings,
      currencies,
    }
    await currencies.prepare([usdInvoice(null, 'NZD')])
    assert.equal(reads.xero, 0)
    const plain = mapInvoice(usdInvoice(null, 'NZD'), 'contact', context)
    assert.isTrue(plain.ok)
    if (plain.ok) assert.notProperty(plain.input, 'currencyCode')

    await currencies.prepare([usdInvoice(2, 'USD'), usdInvoice(3, 'GBP')])
    await currencies.prepare([usdInvoice(2, 'USD')])
    assert.equal(reads.xero, 1)
    const usd = mapInvoice(usdInvoice(2, 'USD'), 'contact', context)
    assert.isTrue(usd.ok)
    if (usd.ok) assert.equal(usd.input.currencyCode, 'USD')
    assert.deepEqual(mapInvoice(usdInvoice(3, 'GBP'), 'contact', context), {
      ok: false,
      reason: 'The invoice is in GBP, and the Xero organisation has not enabled GBP.',
      hint: 'Enable GBP in Xero: Settings → Currencies, then resync.',
    })
    const unknown = mapInvoice(usdInvoice(42, UNKNOWN_CURRENCY), 'contact', context)
    assert.isFalse(unknown.ok)
    if (!unknown.ok) assert.include(unknown.reason, 'currency #42')
  })

  test('a failed read is not remembered: the next batch asks again', async ({ assert }) => {
    let calls = 0
    const currencies = new RunCurrencies({
      autotask: {} as AutotaskClient,
      xero: {
        getCurrencies: async () => {
          if (++calls === 1) throw new Error('Xero did not answer in time.')
          return [{ code: 'USD', description: 'US Dollar' }]
        },
      } as unknown as XeroGateway,
      connection: () => ({ tenantId: 't', productId: 1 }) as any,
      productCurrency: () => 'NZD',
    })
    await assert.rejects(
      () => currencies.prepare([usdInvoice(2, 'USD')]),
      'Xero did not answer in time.'
    )
    assert.isNull(currencies.enabled)
    await currencies.prepare([usdInvoice(2, 'USD')])
    assert.deepEqual([...currencies.enabled!], ['USD'])
    assert.equal(calls, 2)
  })
})
