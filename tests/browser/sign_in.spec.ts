import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'

test.group('Signing in (browser)', (group) => {
  group.each.setup(resetDatabase)

  test('a user signs in through the form and sees the dashboard with their product', async ({
    visit,
  }) => {
    const user = await UserFactory.with('account').create()
    await ProductFactory.merge({ accountId: user.accountId, name: 'Wellington Books' }).create()

    const page = await visit('/')
    await page.assertPath('/login')
    await page.getByLabel('E-mail').fill(user.email)
    await page.getByLabel('Password').fill(FACTORY_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()

    await page.waitForURL((url) => url.pathname === '/')
    await page.assertTextContains('h1', 'Dashboard')
    await page.assertTextContains('[data-testid="product-card"]', 'Wellington Books')
    await page.assertTextContains('[data-testid="product-status"]', 'Paused')
    await page.screenshot({ path: 'tmp/screenshots/dashboard.png', fullPage: true })
  })

  test('a wrong password shows the error in place', async ({ visit }) => {
    const user = await UserFactory.with('account').create()
    const page = await visit('/login')
    await page.getByLabel('E-mail').fill(user.email)
    await page.getByLabel('Password').fill('wrong-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.assertTextContains('[data-testid="form-error"]', 'Wrong e-mail or password.')
    await page.assertPath('/login')
  })
})
