import factory from '@adonisjs/lucid/factories'
import Product from '#models/product'
import { AccountFactory } from '#database/factories/account_factory'

export const ProductFactory = factory
  .define(Product, ({ faker }) => ({
    name: `${faker.location.city()} ${faker.string.alphanumeric(4)}`,
    status: 'paused' as const,
    autotaskHealth: 'unknown' as const,
    xeroHealth: 'unknown' as const,
    autotaskUsername: faker.internet.email(),
    autotaskSecret: faker.string.alphanumeric(24),
    autotaskIntegrationCode: faker.string.alphanumeric(27).toUpperCase(),
  }))
  .state('active', (product) => (product.status = 'active'))
  .relation('account', () => AccountFactory)
  .build()
