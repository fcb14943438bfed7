import { BaseSeeder } from '@adonisjs/lucid/seeders'
import Account from '#models/account'
import User from '#models/user'
import Product from '#models/product'

/** The demo sign-in, printed by `npm run demo`. */
export const DEMO_LOGIN = { email: 'demo@example.com', password: 'demo-password' }

/**
 * The demo account, user and product. Idempotent: running it again keeps what
 * exists, so `npm run demo` can be run any number of times.
 */
export default class DemoSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  async run() {
    const account = await Account.firstOrCreate({ name: 'Demo MSP' }, { plan: 'enterprise' })
    const user = await User.findBy('email', DEMO_LOGIN.email)
    if (!user) {
      await User.create({
        accountId: account.id,
        email: DEMO_LOGIN.email,
        password: DEMO_LOGIN.password,
        fullName: 'Demo Owner',
        role: 'owner',
        isStaff: true,
      })
    }
    await Product.firstOrCreate(
      { accountId: account.id, name: 'Demo Autotask → Xero' },
      { status: 'paused', autotaskHealth: 'unknown', xeroHealth: 'unknown' }
    )
  }
}
