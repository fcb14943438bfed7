import factory from '@adonisjs/lucid/factories'
import { DateTime } from 'luxon'
import { Decimal } from 'decimal.js'
import InvoiceRecord from '#models/invoice_record'
import { ProductFactory } from '#database/factories/product_factory'

export const InvoiceRecordFactory = factory
  .define(InvoiceRecord, ({ faker }) => {
    const subtotal = new Decimal(faker.finance.amount({ min: 50, max: 5000, dec: 2 }))
    const tax = subtotal.mul('0.15').toDecimalPlaces(2)
    return {
      autotaskId: faker.number.int({ min: 10_000, max: 99_999_999 }),
      invoiceNumber: String(faker.number.int({ min: 1000, max: 999_999 })),
      autotaskCompanyId: faker.number.int({ min: 1, max: 5000 }),
      companyName: faker.company.name(),
      invoiceDate: DateTime.fromJSDate(faker.date.recent({ days: 60 })),
      subtotal,
      taxTotal: tax,
      total: subtotal.add(tax),
      currency: 'NZD',
      status: 'pending' as const,
      attempts: 0,
      lines: [],
    }
  })
  .state('synced', (invoice) => {
    invoice.status = 'synced'
    invoice.syncedAt = DateTime.utc()
    invoice.xeroInvoiceId = crypto.randomUUID()
  })
  .state('fault', (invoice) => {
    invoice.status = 'fault'
    invoice.faultReason = 'Tax region "GST NZ" is not mapped'
    invoice.faultHint = 'Map it in Settings → Tax'
  })
  .relation('product', () => ProductFactory)
  .build()
