import factory from '@adonisjs/lucid/factories'
import { DateTime } from 'luxon'
import { Decimal } from 'decimal.js'
import PurchaseOrderRecord from '#models/purchase_order_record'
import { ProductFactory } from '#database/factories/product_factory'

export const PurchaseOrderRecordFactory = factory
  .define(PurchaseOrderRecord, ({ faker }) => {
    const subtotal = new Decimal(faker.finance.amount({ min: 20, max: 3000, dec: 2 }))
    return {
      autotaskId: faker.number.int({ min: 10_000, max: 99_999_999 }),
      poNumber: `PO-${faker.number.int({ min: 100, max: 99_999 })}`,
      vendorCompanyId: faker.number.int({ min: 1, max: 5000 }),
      vendorName: faker.company.name(),
      autotaskStatus: 2,
      orderDate: DateTime.fromJSDate(faker.date.recent({ days: 60 })),
      subtotal,
      taxTotal: new Decimal(0),
      total: subtotal,
      currency: 'NZD',
      status: 'pending' as const,
      attempts: 0,
      lines: [],
    }
  })
  .relation('product', () => ProductFactory)
  .build()
