import factory from '@adonisjs/lucid/factories'
import SyncLog from '#models/sync_log'
import { ProductFactory } from '#database/factories/product_factory'

export const SyncLogFactory = factory
  .define(SyncLog, ({ faker }) => ({
    level: 'info' as const,
    event: 'invoice.discovered',
    message: `Invoice ${faker.number.int({ min: 1000, max: 99999 })} found for ${faker.company.name()}`,
    autotaskId: faker.number.int({ min: 10_000, max: 99_999_999 }),
  }))
  .relation('product', () => ProductFactory)
  .build()
