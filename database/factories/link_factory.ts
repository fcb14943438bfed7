import factory from '@adonisjs/lucid/factories'
import Link from '#models/link'
import { ProductFactory } from '#database/factories/product_factory'

export const LinkFactory = factory
  .define(Link, ({ faker }) => ({
    kind: 'company_contact' as const,
    autotaskId: faker.number.int({ min: 1, max: 99_999 }),
    xeroId: crypto.randomUUID(),
    xeroLabel: faker.company.name(),
  }))
  .relation('product', () => ProductFactory)
  .build()
