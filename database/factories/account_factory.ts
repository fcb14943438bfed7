import factory from '@adonisjs/lucid/factories'
import Account from '#models/account'

export const AccountFactory = factory
  .define(Account, ({ faker }) => ({
    name: `${faker.company.name()} ${faker.string.alphanumeric(6)}`,
    plan: 'professional' as const,
  }))
  .state('starter', (account) => (account.plan = 'starter'))
  .build()
