import { test } from '@japa/runner'
import { Decimal } from 'decimal.js'
import { DateTime } from 'luxon'
import InvoiceRecord, { type StoredInvoiceLine } from '#models/invoice_record'
import { defaultProductSettings, type ProductSettings } from '#models/product'
import { mapInvoice, readInvoiceMarker, type MappingContext } from '#sync/invoice_mapper'
import { trackingContextOf } from '#sync/line_tracking'
import type Mapping from '#models/mapping'

const CONTACT = '0b1d7c3e-0000-4000-8000-000000000001'

function line(overrides: Partial<StoredInvoiceLine> = {}): StoredInvoiceLine {
  return {
    autotaskId: 1,
    description: 'Managed services',
    quantity: '2',
    rate: '50',
    extendedPrice: '100',
    taxDollars: '15',
    billingCodeId: 29682801,
    ...overrides,
  }
}

/** An invoice of 100.00 + 15 % tax in region 7, never saved: the mapper reads only what it is given. */
function invoice(overrides: Partial<InvoiceRecord> = {}) {
  const record = new InvoiceRecord()
  Object.assign(record, {
    id: 41,
    productId: 3,
    autotaskId: 8801,
    invoiceNumber: 'INV-1001',
    invoiceDate: DateTime.fromISO('2026-11-02', { zone: 'utc' }),
    dueDate: DateTime.fromISO('2026-11-20', { zone: 'utc' }),
    total: new Decimal('115'),
    currency: 'NZD',
    autotaskTaxRegionId: 7,
    autotaskTaxRegionName: 'New Zealand GST',
    purchaseOrderNumber: null,
    lines: [line()],
    ...overrides,
  })
  return record
}

function context(
  settings: Partial<ProductSettings> = {},
  more: Partial<MappingContext> = {}
): MappingContext {
  return {
    taxTypes: new Map([['7', 'OUTPUT2']]),
    accounts: new Map([['29682801', '200']]),
    taxRates: new Map([
      ['OUTPUT2', new Decimal('15')],
      ['NONE', new Decimal('0')],
    ]),
    settings: { ...defaultProductSettings, ...settings },
    ...more,
  }
}

test.group('Invoice mapper (Autotask invoice → Xero ACCREC invoice)', () => {
  test('a mapped invoice becomes a DRAFT ACCREC invoice with 4-dp units, its account and tax type', ({
    assert,
  }) => {
    const mapped = mapInvoice(invoice(), CONTACT, context())
    assert.isTrue(mapped.ok)
    if (!mapped.ok) return
    assert.equal(mapped.total.toFixed(2), '115.00')
    assert.deepEqual(mapped.notes, [])
    const { url, ...input } = mapped.input
    assert.deepEqual(input, {
      type: 'ACCREC',
      contact: { contactId: CONTACT },
      invoiceNumber: 'INV-1001',
      reference: 'INV-1001',
      date: '2026-11-02',
      dueDate: '2026-11-20',
      status: 'DRAFT',
      lineAmountTypes: 'Exclusive',
      lineItems: [
        {
          description: 'Managed services',
          quantity: '2.0000',
          unitAmount: '50.0000',
          lineAmount: '100.00',
          accountCode: '200',
          taxType: 'OUTPUT2',
        },
      ],
      total: '115.00',
      sentToContact: undefined,
    })
    assert.deepEqual(readInvoiceMarker(url), { productId: 3, recordId: 41, autotaskId: 8801 })
  })

  test('tracked dimensions give each line its options in a fixed order; an unmapped value goes untracked or faults', ({
    assert,
  }) => {
    const rows = [
      ['department', '3', 'Hardware'],
      ['tracking_category', 'department', 'Department'],
      ['tracking_category', 'territory', 'Region'],
      ['territory', '1', 'North'],
    ].map(([kind, autotaskValue, xeroValue]) => ({ kind, autotaskValue, xeroValue }) as Mapping)
    const tracking = trackingContextOf(rows, {
      department: [{ value: '3', members: ['29682804'] }],
    })
    const record = invoice({
      autotaskTerritoryId: 1,
      total: new Decimal('230'),
      lines: [line(), line({ autotaskId: 2, billingCodeId: 29682804 })],
    })
    const accounts = new Map([
      ['29682801', '200'],
      ['29682804', '260'],
    ])
    const mapped = mapInvoice(record, CONTACT, context({}, { tracking, accounts }))
    assert.isTrue(mapped.ok)
    if (!mapped.ok) return
    assert.deepEqual(mapped.input.lineItems![0].tracking, [{ name: 'Region', option: 'North' }])
    assert.deepEqual(mapped.input.lineItems![1].tracking, [
      { name: 'Region', option: 'North' },
      { name: 'Department', option: 'Hardware' },
    ])
    assert.deepEqual(mapped.untracked, [
      'Line 1 "Managed services" went without a "Department" option: its department (none in Autotask) is not mapped.',
    ])

    const faulted = mapInvoice(
      record,
      CONTACT,
      context({ trackingUnmapped: 'fault' }, { tracking, accounts })
    )
    assert.deepEqual(faulted, {
      ok: false,
      reason:
        'Line 1 "Managed services" has department (none in Autotask), which is not mapped to a "Department" option in Xero.',
      hint: 'Map it in Settings → Mappings (tracking: Department → "Department"), or let unmapped values go untracked, then resync.',
    })
  })

  test('an invoice template mapped to a theme takes it; others take the product theme', ({
    assert,
  }) => {
    const themes = new Map([['103', 'theme-103']])
    const withTemplate = mapInvoice(
      invoice({ autotaskInvoiceTemplateId: 103 }),
      CONTACT,
      context({ brandingThemeId: 'product-theme' }, { brandingThemes: themes })
    )
    const other = mapInvoice(
      invoice({ autotaskInvoiceTemplateId: 102 }),
      CONTACT,
      context({ brandingThemeId: 'product-theme' }, { brandingThemes: themes })
    )
    assert.equal(withTemplate.ok && withTemplate.input.brandingThemeId, 'theme-103')
    assert.equal(other.ok && other.input.brandingThemeId, 'product-theme')
  })

  test('settings choose the number, the reference, the status and the due date', ({ assert }) => {
    const mapped = mapInvoice(
      invoice({ purchaseOrderNumber: 'PO-77' }),
      CONTACT,
      context({
        numbering: 'prefix',
        numberPrefix: 'AT-',
        invoiceStatus: 'AUTHORISED_SENT',
        dueDateSource: 'xero_contact',
      })
    )
    assert.isTrue(mapped.ok)
    if (!mapped.ok) return
    assert.equal(mapped.input.invoiceNumber, 'AT-INV-1001')
    assert.equal(mapped.input.reference, 'PO-77')
    assert.equal(mapped.input.status, 'AUTHORISED')
    assert.isTrue(mapped.input.sentToContact)
    assert.isUndefined(mapped.input.dueDate)

    const xeroNumbers = mapInvoice(
      invoice(),
      CONTACT,
      context({ numbering: 'xero', referenceFromPoNumber: false })
    )
    assert.isTrue(xeroNumbers.ok)
    if (!xeroNumbers.ok) return
    assert.isUndefined(xeroNumbers.input.invoiceNumber)
    assert.equal(xeroNumbers.input.reference, 'INV-1001')
  })

  test('an untaxed line goes out as NONE, or as what "exempt" maps to', ({ assert }) => {
    const untaxed = invoice({ total: new Decimal('100'), lines: [line({ taxDollars: '0' })] })
    const none = mapInvoice(untaxed, CONTACT, context())
    assert.isTrue(none.ok)
    if (!none.ok) return
    assert.equal(none.input.lineItems![0].taxType, 'NONE')

    const exempt = context({}, { taxTypes: new Map([['exempt', 'EXEMPTOUTPUT']]) })
    exempt.taxRates.set('EXEMPTOUTPUT', new Decimal('0'))
    const mapped = mapInvoice(untaxed, CONTACT, exempt)
    assert.isTrue(mapped.ok)
    if (!mapped.ok) return
    assert.equal(mapped.input.lineItems![0].taxType, 'EXEMPTOUTPUT')
  })

  test('a billing code without a mapping falls back to the default account, else faults naming the line', ({
    assert,
  }) => {
    const unmapped = invoice({ lines: [line({ billingCodeId: 555 })] })
    const fallback = mapInvoice(
      unmapped,
      CONTACT,
      context({}, { accounts: new Map([['*', '260']]) })
    )
    assert.isTrue(fallback.ok)
    if (!fallback.ok) return
    assert.equal(fallback.input.lineItems![0].accountCode, '260')

    assert.deepEqual(mapInvoice(unmapped, CONTACT, context()), {
      ok: false,
      reason:
        'Billing code 555 of line "Managed services" has no Xero account, and there is no default account.',
      hint: 'Map the billing code (to an account or an item), set a default account, or name an uncoded account, in Settings.',
    })
  })

  test('an unmapped tax region, or a mapped rate Xero no longer has, faults with what to do', ({
    assert,
  }) => {
    assert.deepEqual(
      mapInvoice(
        invoice({ autotaskTaxRegionId: 9, autotaskTaxRegionName: 'Australia GST' }),
        CONTACT,
        context()
      ),
      {
        ok: false,
        reason: 'Tax region "Australia GST" is not mapped to a Xero tax rate.',
        hint: 'Map it in Settings → Mappings (Autotask tax region "Australia GST" → a Xero tax rate), then resync.',
      }
    )
    assert.deepEqual(mapInvoice(invoice(), CONTACT, context({}, { taxRates: new Map() })), {
      ok: false,
      reason: 'Xero has no active tax rate "OUTPUT2".',
      hint: 'The mapped tax rate was deleted or archived in Xero: map the tax region again in Settings → Mappings.',
    })
  })

  test('an unnumbered, empty or negative invoice is refused before any line is looked at', ({
    assert,
  }) => {
    assert.deepEqual(mapInvoice(invoice({ invoiceNumber: null }), CONTACT, context()), {
      ok: false,
      reason: 'The invoice has no number yet.',
      hint: 'Wait for the billing run to finish in Autotask.',
    })
    assert.deepEqual(mapInvoice(invoice({ lines: [] }), CONTACT, context()), {
      ok: false,
      reason: 'The invoice has no lines.',
      hint: 'Check the invoice in Autotask, then resync it.',
    })
    const negative = mapInvoice(invoice({ total: new Decimal('-115') }), CONTACT, context())
    assert.isFalse(negative.ok)
    if (negative.ok) return
    assert.equal(
      negative.reason,
      'The invoice total is negative (NZD -115.00); Xero needs a credit note for that.'
    )
  })

  test('totals that differ fault with both figures; within tolerance a rounding line makes up the cents', ({
    assert,
  }) => {
    const off = invoice({ total: new Decimal('115.03') })
    const refused = mapInvoice(off, CONTACT, context())
    assert.isFalse(refused.ok)
    if (refused.ok) return
    assert.equal(
      refused.reason,
      'Invoice amounts do not match: Autotask NZD 115.03, Xero would total NZD 115.00.'
    )

    const rounded = mapInvoice(
      off,
      CONTACT,
      context({ roundingLine: { enabled: true, accountCode: '860', tolerance: '0.05' } })
    )
    assert.isTrue(rounded.ok)
    if (!rounded.ok) return
    assert.equal(rounded.total.toFixed(2), '115.03')
    assert.deepEqual(rounded.input.lineItems![1], {
      description: 'Rounding',
      quantity: '1.0000',
      unitAmount: '0.0300',
      lineAmount: '0.03',
      accountCode: '860',
      taxType: 'NONE',
    })
  })

  test("a description longer than Xero's 4,000 characters is cut and says so in a note", ({
    assert,
  }) => {
    const long = 'x'.repeat(4100)
    const mapped = mapInvoice(invoice({ lines: [line({ description: long })] }), CONTACT, context())
    assert.isTrue(mapped.ok)
    if (!mapped.ok) return
    assert.lengthOf(mapped.input.lineItems![0].description!, 4000)
    assert.isTrue(mapped.input.lineItems![0].description!.endsWith('…'))
    assert.deepEqual(mapped.notes, [
      'The description of line 1 is longer than Xero\'s 4000 characters: Xero gets it cut, ending in "…"; ' +
        'the full text stays in Autotask and in our copy.',
    ])
  })
})
