import factory from '@adonisjs/lucid/factories'
import Mapping from '#models/mapping'
import { ProductFactory } from '#database/factories/product_factory'

export const MappingFactory = factory
  .define(Mapping, ({ faker }) => ({
    kind: 'billing_code' as const,
    autotaskValue: String(faker.number.int({ min: 1, max: 99_999 })),
    autotaskLabel: faker.commerce.department(),
    xeroValue: String(faker.number.int({ min: 200, max: 299 })),
    xeroLabel: 'Sales',
  }))
  .relation('product', () => ProductFactory)
  .build()
