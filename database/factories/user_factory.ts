import factory from '@adonisjs/lucid/factories'
import User from '#models/user'
import { AccountFactory } from '#database/factories/account_factory'

/** Every factory user signs in with the password "password123". */
export const FACTORY_PASSWORD = 'password123'

export const UserFactory = factory
  .define(User, ({ faker }) => ({
    fullName: faker.person.fullName(),
    email: faker.internet
      .email()
      .toLowerCase()
      .replace('@', `.${faker.string.alphanumeric(5).toLowerCase()}@`),
    password: FACTORY_PASSWORD,
    role: 'owner' as const,
    isStaff: false,
  }))
  .state('admin', (user) => (user.role = 'admin'))
  .state('viewer', (user) => (user.role = 'viewer'))
  .state('staff', (user) => (user.isStaff = true))
  .relation('account', () => AccountFactory)
  .build()
