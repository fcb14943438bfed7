import { test } from '@japa/runner'
import { Decimal } from 'decimal.js'
import { DateTime } from 'luxon'
import InvoiceRecord, { type StoredInvoiceLine } from '#models/invoice_record'
import { defaultProductSettings, type ProductSettings } from '#models/product'
import { mapInvoice, type MappingContext } from '#sync/invoice_mapper'

const CONTACT = '0b1d7c3e-0000-4000-8000-000000000001'

function line(overrides: Partial<StoredInvoiceLine> = {}): StoredInvoiceLine {
  return {
    autotaskId: 1,
    description: 'Managed services',
    quantity: '1',
    rate: '1',
    extendedPrice: '1',
    taxDollars: '0.10',
    billingCodeId: 29682801,
    ...overrides,
  }
}

/** An Autotask invoice taxed at 10 % in region 9 "Australia GST". */
function invoice(lines: StoredInvoiceLine[], total: string) {
  const record = new InvoiceRecord()
  Object.assign(record, {
    id: 41,
    productId: 3,
    autotaskId: 8801,
    invoiceNumber: 'INV-1001',
    invoiceDate: DateTime.fromISO('2026-11-02', { zone: 'utc' }),
    dueDate: null,
    total: new Decimal(total),
    currency: 'NZD',
    autotaskTaxRegionId: 9,
    autotaskTaxRegionName: 'Australia GST',
    purchaseOrderNumber: null,
    lines,
  })
  return record
}

/** Region 9 mapped to Xero's 15 % rate (the wrong one), or to a 10 % rate. */
function context(settings: Partial<ProductSettings>, taxType = 'OUTPUT2'): MappingContext {
  return {
    taxTypes: new Map([['9', taxType]]),
    accounts: new Map([['29682801', '200']]),
    taxRates: new Map([
      ['OUTPUT2', new Decimal('15')],
      ['GST10', new Decimal('10')],
      ['NONE', new Decimal('0')],
    ]),
    settings: { ...defaultProductSettings, ...settings },
  }
}

const roundingAt = (tolerance: string) => ({
  roundingLine: { enabled: true, accountCode: '860', tolerance },
})

test.group('Tax check before the rounding line', () => {
  test('a 10 % invoice whose region maps to 15 % faults naming both figures, even with a rounding line', ({
    assert,
  }) => {
    for (const tolerance of ['0.05', '1.00']) {
      const mapped = mapInvoice(invoice([line()], '1.10'), CONTACT, context(roundingAt(tolerance)))
      assert.isFalse(mapped.ok, `tolerance ${tolerance}`)
      if (mapped.ok) return
      assert.equal(
        mapped.reason,
        'Tax does not match: Autotask NZD 0.10 (10 %), Xero would charge NZD 0.15 at 15 % (OUTPUT2): check the mapping of tax region "Australia GST".'
      )
      assert.include(
        mapped.hint,
        'map tax region "Australia GST" to the Xero tax rate Autotask charges'
      )
    }
  })

  test('the same invoice mapped to 10 % syncs, and the rounding line still absorbs a cent of rounding', ({
    assert,
  }) => {
    const exact = mapInvoice(invoice([line()], '1.10'), CONTACT, context({}, 'GST10'))
    assert.isTrue(exact.ok)
    // Autotask rounded its total up a cent: the rounding line takes it, tax agrees.
    const cent = mapInvoice(
      invoice([line()], '1.11'),
      CONTACT,
      context(roundingAt('0.05'), 'GST10')
    )
    assert.isTrue(cent.ok)
    if (!cent.ok) return
    assert.equal(cent.input.lineItems!.at(-1)!.description, 'Rounding')
    assert.equal(cent.input.lineItems!.at(-1)!.lineAmount, '0.01')
  })

  test('per-line rounding of many lines is not taken for a wrong mapping', ({ assert }) => {
    // 7 lines of 0.33 at 15 %: Xero taxes each 0.05 (0.35); Autotask taxed the sum 2.31 → 0.35 too, or 0.34.
    const lines = Array.from({ length: 7 }, (_, index) =>
      line({
        autotaskId: index + 1,
        rate: '0.33',
        extendedPrice: '0.33',
        taxDollars: index === 0 ? '0.04' : '0.05',
      })
    )
    const mapped = mapInvoice(invoice(lines, '2.65'), CONTACT, context(roundingAt('0.05')))
    assert.isTrue(mapped.ok, mapped.ok ? '' : mapped.reason)
  })

  test('untaxed lines mapped to a taxed rate fault too', ({ assert }) => {
    const record = invoice([line({ taxDollars: '0' })], '1.00')
    const ctx = context(roundingAt('1.00'), 'GST10')
    ctx.taxTypes.set('exempt', 'OUTPUT2')
    const mapped = mapInvoice(record, CONTACT, ctx)
    assert.isFalse(mapped.ok)
    if (mapped.ok) return
    assert.include(mapped.reason, 'Autotask NZD 0.00')
    assert.include(mapped.reason, 'Xero would charge NZD 0.15 at 15 % (OUTPUT2)')
    assert.include(mapped.reason, 'check the mapping of untaxed lines ("exempt")')
  })
})

test.group('Zero-amount and sub-cent lines, per status', () => {
  const lines = [
    line({ extendedPrice: '100', rate: '100', taxDollars: '10' }),
    line({
      autotaskId: 2,
      description: 'Included in contract',
      quantity: '1',
      rate: '0',
      extendedPrice: '0',
      taxDollars: '0',
    }),
    line({
      autotaskId: 3,
      description: 'Tiny usage',
      quantity: '0.01',
      rate: '0.40',
      extendedPrice: '0.004',
      taxDollars: '0',
    }),
  ]

  test('a draft keeps them as they are', ({ assert }) => {
    const mapped = mapInvoice(
      invoice(lines, '110.00'),
      CONTACT,
      context({ invoiceStatus: 'DRAFT' }, 'GST10')
    )
    assert.isTrue(mapped.ok, mapped.ok ? '' : mapped.reason)
    if (!mapped.ok) return
    assert.lengthOf(mapped.input.lineItems!, 3)
    assert.deepEqual(mapped.notes, [])
  })

  test('an approved invoice leaves them off with a note naming them; totals unchanged', ({
    assert,
  }) => {
    for (const invoiceStatus of ['AUTHORISED', 'AUTHORISED_SENT'] as const) {
      const mapped = mapInvoice(
        invoice(lines, '110.00'),
        CONTACT,
        context({ invoiceStatus }, 'GST10')
      )
      assert.isTrue(mapped.ok, mapped.ok ? '' : mapped.reason)
      if (!mapped.ok) return
      assert.lengthOf(mapped.input.lineItems!, 1)
      assert.equal(mapped.input.total, '110.00')
      assert.deepEqual(mapped.notes, [
        '2 line(s) worth 0.00 left off the approved Xero invoice (Xero refuses them there): "Included in contract", "Tiny usage". They stay in Autotask and in our copy.',
      ])
    }
  })

  test('an approved invoice made only of zero lines keeps them', ({ assert }) => {
    const mapped = mapInvoice(
      invoice(lines.slice(1), '0.00'),
      CONTACT,
      context({ invoiceStatus: 'AUTHORISED' }, 'GST10')
    )
    assert.isTrue(mapped.ok, mapped.ok ? '' : mapped.reason)
    if (!mapped.ok) return
    assert.lengthOf(mapped.input.lineItems!, 2)
  })
})
