import { test } from '@japa/runner'
import { AUTOTASK_SANDBOX_USER } from '#sandbox/autotask/index'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import Mapping from '#models/mapping'
import Product from '#models/product'
import { UserFactory } from '#database/factories/user_factory'
import { resetDatabase } from '#tests/helpers/database'
import { useSetupSandboxes } from '#tests/helpers/setup_sandboxes'

const NZ = XERO_SANDBOX_TENANTS.nz
const AU = XERO_SANDBOX_TENANTS.au

/**
 * A person adds a product in Chromium: the wizard against both sandboxes, with
 * Xero's consent page answered by clicking. Screenshots land in tmp/screenshots.
 */
test.group('Add a New Product wizard, in a browser', (group) => {
  group.setup(async () => (await useSetupSandboxes()).stop)
  group.each.setup(resetDatabase)

  test('name, Autotask (a wrong secret first), Allow on Xero, mappings: saved and left Paused', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    await browserContext.loginAs(owner)
    const page = await visit('/')
    await page.getByRole('link', { name: 'Add a New Product' }).last().click()
    await page.assertPath('/products/new')
    await page.getByLabel('Name').fill('Harbour Books')
    await page.screenshot({ path: 'tmp/screenshots/setup-1-name.png', fullPage: true })
    await page.getByRole('button', { name: 'Create product' }).click()

    await page.waitForURL(/\/setup\/autotask$/)
    const product = await Product.findByOrFail('name', 'Harbour Books')
    await page.assertTextContains('[aria-current="step"]', 'Autotask')
    await page.getByLabel('API username').fill(AUTOTASK_SANDBOX_USER.username)
    await page.getByLabel('Secret').fill('not-the-secret')
    await page.getByLabel('API integration code').fill(AUTOTASK_SANDBOX_USER.integrationCode)
    await page.getByTestId('test-autotask').click()
    await page.assertTextContains('[data-testid="form-error"]', 'Autotask refused the secret')
    assert.equal(await page.getByLabel('Secret').inputValue(), '')
    assert.equal(await page.getByLabel('API username').inputValue(), AUTOTASK_SANDBOX_USER.username)
    await page.screenshot({ path: 'tmp/screenshots/setup-2-autotask-refused.png', fullPage: true })
    assert.isNull((await Product.findOrFail(product.id)).autotaskSecret)

    await page.getByLabel('Secret').fill(AUTOTASK_SANDBOX_USER.secret)
    await page.getByLabel('API integration code').fill(AUTOTASK_SANDBOX_USER.integrationCode)
    await page.getByTestId('test-autotask').click()
    await page.waitForURL(/\/setup\/xero$/)
    await page.assertTextContains('[role="status"]', 'Autotask connected')
    await page.screenshot({ path: 'tmp/screenshots/setup-3-xero.png', fullPage: true })

    await page.getByTestId('connect-xero').click()
    await page.waitForURL(/\/identity\/connect\/authorize/)
    await page.assertTextContains('h1', 'wants to access your Xero organisation')
    await page.screenshot({ path: 'tmp/screenshots/setup-4-xero-consent.png', fullPage: true })
    await page.getByRole('button', { name: 'Allow access' }).click()

    await page.waitForURL(/\/setup\/mappings$/)
    await page.assertTextContains(
      '[role="status"]',
      `Connected to the Xero organisation "${NZ.name}"`
    )
    assert.equal(await page.locator('select[name="taxRegions[id1]"]').inputValue(), 'OUTPUT2')
    assert.equal(await page.getByTestId('default-account').inputValue(), '200')
    await page.locator('select[name="taxRegions[id3]"]').selectOption('ZERORATED')
    await page.screenshot({ path: 'tmp/screenshots/setup-5-mappings.png', fullPage: true })
    await page.getByTestId('save-mappings').click()

    await page.waitForURL((url) => url.pathname === '/')
    await page.assertTextContains('[role="status"]', 'is set up and Paused')
    await page.assertTextContains('[data-testid="product-status"]', 'Paused')
    await page.assertTextContains('[data-testid="health-autotask"]', 'Connected')
    await page.assertTextContains('[data-testid="health-xero"]', 'Connected')
    await page.screenshot({ path: 'tmp/screenshots/setup-6-dashboard.png', fullPage: true })

    const stored = await Product.findOrFail(product.id)
    assert.equal(stored.status, 'paused')
    assert.equal(stored.autotaskSecret, AUTOTASK_SANDBOX_USER.secret)
    assert.equal(stored.xeroTenantId, NZ.tenantId)
    const regions = await Mapping.query()
      .where('product_id', product.id)
      .where('kind', 'tax_region')
    assert.sameMembers(
      regions.map((row) => `${row.autotaskValue}→${row.xeroValue}`),
      ['1→OUTPUT2', '2→NONE', '3→ZERORATED']
    )
  })

  test('when Xero allows two organisations the person chooses one', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await Product.create({
      accountId: owner.accountId,
      name: 'Trans-Tasman Books',
      status: 'paused',
    })
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/setup/xero`)
    await page.getByTestId('connect-xero').click()
    await page.waitForURL(/\/identity\/connect\/authorize/)
    // Xero's real consent page lets a person tick several organisations; the sandbox's offers a single select.
    await page.locator('#tenant_id').evaluate((select: any) => (select.multiple = true))
    await page.locator('#tenant_id').selectOption([NZ.tenantId, AU.tenantId])
    await page.getByRole('button', { name: 'Allow access' }).click()

    await page.waitForURL(/\/setup\/xero\/organisation$/)
    await page.getByLabel(AU.name).check()
    await page.screenshot({
      path: 'tmp/screenshots/setup-xero-choose-organisation.png',
      fullPage: true,
    })
    assert.isNull((await Product.findOrFail(product.id)).xeroTokens)
    await page.getByTestId('choose-organisation').click()
    await page.waitForURL(/\/setup\/mappings$/)
    await page.assertTextContains('[role="status"]', AU.name)
    const stored = await Product.findOrFail(product.id)
    assert.equal(stored.xeroTenantId, AU.tenantId)
    assert.isNotNull(stored.xeroTokens)
  })

  test('cancelling on Xero brings the person back with a clear message', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await Product.create({
      accountId: owner.accountId,
      name: 'Cautious Books',
      status: 'paused',
    })
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/setup/xero`)
    await page.getByTestId('connect-xero').click()
    await page.waitForURL(/\/identity\/connect\/authorize/)
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.waitForURL(/\/setup\/xero$/)
    await page.assertTextContains('[data-testid="setup-error"]', 'Access to Xero was not allowed')
    await page.screenshot({ path: 'tmp/screenshots/setup-xero-denied.png', fullPage: true })
    assert.isNull((await Product.findOrFail(product.id)).xeroTokens)
  })
})
