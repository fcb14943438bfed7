import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { totpCode } from '#tests/helpers/two_factor'
import { UserFactory, FACTORY_PASSWORD } from '#database/factories/user_factory'
import User from '#models/user'

test.group('Two-factor sign-in (browser)', (group) => {
  group.each.setup(resetDatabase)

  test('a user enrols with the QR code page, then signs in with a code; a used code and a used recovery code fail', async ({
    visit,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()

    // Sign in with the password, and set up a second factor from one's own page.
    const page = await visit('/login')
    await page.getByLabel('E-mail').fill(user.email)
    await page.getByLabel('Password').fill(FACTORY_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    await page.getByRole('link', { name: new RegExp(user.fullName ?? user.email) }).click()
    await page.waitForURL((url) => url.pathname === '/account/two-factor')
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click()
    await page.waitForSelector('[data-testid="two-factor-qr"] svg path')
    const qr = await page.locator('[data-testid="two-factor-qr"] svg').boundingBox()
    assert.isAbove(qr!.width, 100, 'the QR code is drawn large enough to scan')
    const secret = (await page.getByTestId('two-factor-secret').textContent())!.trim()
    assert.equal(secret, (await User.findOrFail(user.id)).twoFactorSecret)

    // The app's code turns it on; the recovery codes are shown once.
    await page.getByLabel('Code from the app').fill(totpCode(secret))
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click()
    await page.waitForSelector('[data-testid="recovery-code"]')
    const recoveryCodes = (await page.getByTestId('recovery-code').allTextContents()).map((code) =>
      code.trim()
    )
    assert.lengthOf(recoveryCodes, 10)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL((url) => url.pathname === '/login')

    // The password now leads to the code step; the next code from the app signs in.
    const signIn = async () => {
      await page.goto('/login')
      await page.getByLabel('E-mail').fill(user.email)
      await page.getByLabel('Password').fill(FACTORY_PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL((url) => url.pathname === '/login/two-factor')
    }
    await signIn()
    const code = totpCode(secret, 30)
    await page.getByLabel('Code').fill(code)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    await page.assertTextContains('h1', 'Dashboard')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL((url) => url.pathname === '/login')

    // The same code again is refused.
    await signIn()
    await page.getByLabel('Code').fill(code)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.assertTextContains('[data-testid="form-error"]', 'That code was used already')
    await page.assertPath('/login/two-factor')

    // A recovery code works once.
    await page.getByLabel('Code').fill(recoveryCodes[0])
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL((url) => url.pathname === '/')
    await page.assertTextContains('[role="status"]', 'recovery code')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL((url) => url.pathname === '/login')
    await signIn()
    await page.getByLabel('Code').fill(recoveryCodes[0])
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.assertTextContains('[data-testid="form-error"]', 'That code is not right')
  })
})
