import { test } from '@japa/runner'
import { AUTOTASK_SANDBOX_USER } from '#sandbox/autotask/index'
import Product from '#models/product'
import { UserFactory } from '#database/factories/user_factory'
import { resetDatabase } from '#tests/helpers/database'
import { useSetupSandboxes } from '#tests/helpers/setup_sandboxes'
import { connectedProduct } from '#tests/helpers/xero_sandbox'

type Sandboxes = Awaited<ReturnType<typeof useSetupSandboxes>>

/**
 * A person sets the product up from lists, in Chromium: selects driven by mouse and by keyboard,
 * a list refreshed in place, and the never-sync companies found by typing in a 2,000-company list.
 */
test.group('Settings chosen from live lists, in a browser', (group) => {
  let sandboxes: Sandboxes
  group.setup(async () => {
    sandboxes = await useSetupSandboxes({ autotask: { companies: 2000, invoices: 0 } })
    return () => sandboxes.stop()
  })
  group.each.setup(resetDatabase)

  async function ownerOfConnectedProduct() {
    const product = await connectedProduct(sandboxes.xero)
    product.merge({
      autotaskUsername: AUTOTASK_SANDBOX_USER.username,
      autotaskSecret: AUTOTASK_SANDBOX_USER.secret,
      autotaskIntegrationCode: AUTOTASK_SANDBOX_USER.integrationCode,
    })
    await product.save()
    const owner = await UserFactory.merge({ accountId: product.accountId }).create()
    return { owner, product }
  }

  test('accounts and statuses chosen with the mouse and the keyboard, a status list refreshed in place, then saved', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await ownerOfConnectedProduct()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/settings`)

    // Mouse: the PO account from its list.
    await page
      .getByLabel('Xero account of PO lines')
      .selectOption({ label: '310 · Cost of Goods Sold' })
    // Keyboard: focus the tax-rate select and type the start of a rate's name.
    const taxRate = page.getByLabel('Xero tax rate of PO lines')
    await taxRate.focus()
    assert.equal(await taxRate.inputValue(), 'INPUT2')
    await page.keyboard.type('Zero')
    const after = await taxRate.inputValue()
    assert.equal(after, 'ZERORATED')

    // A status added in Autotask appears after Refresh, without reloading the page or losing choices.
    sandboxes.autotask.state.picklists.get('PurchaseOrders.status')!.push({
      value: '9',
      label: 'Approved by finance',
      isDefaultValue: false,
      sortOrder: 9,
      parentValue: '',
      isActive: true,
      isSystem: false,
    })
    try {
      const status = page.getByLabel('Autotask PO status that triggers the sync')
      assert.notInclude(await status.locator('option').allTextContents(), 'Approved by finance')
      await page.evaluate(() => ((globalThis as any).marker = 'same page'))
      await page
        .getByTestId('list-field-purchaseOrderTriggerStatus')
        .getByRole('button', { name: /Refresh/ })
        .click()
      await page.waitForSelector('#purchaseOrderTriggerStatus option[value="9"]', {
        state: 'attached',
      })
      assert.equal(await page.evaluate(() => (globalThis as any).marker), 'same page')
      assert.equal(await page.getByLabel('Xero account of PO lines').inputValue(), '310')
      // Keyboard again: type-ahead in the focused select picks the new status.
      await status.focus()
      await page.keyboard.type('Approved')
      assert.equal(await status.inputValue(), '9')
    } finally {
      sandboxes.autotask.state.picklists.get('PurchaseOrders.status')!.pop()
    }

    await page.getByTestId('save-settings').click()
    await page.assertTextContains('[data-testid="settings-notice"]', 'Saved')
    const settings = (await Product.findOrFail(product.id)).effectiveSettings
    assert.equal(settings.purchaseOrders.accountCode, '310')
    assert.equal(settings.purchaseOrders.taxType, after)
    assert.equal(settings.purchaseOrders.triggerStatus, 9)
    await page.screenshot({ path: 'tmp/screenshots/settings-live-lists.png', fullPage: true })
  })

  test("the currencies Xero accepts refresh in place: one added in Xero appears, the person's choices stay", async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await ownerOfConnectedProduct()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/settings`)
    const list = page.getByTestId('xero-currency-list')
    assert.equal((await list.textContent())!.trim(), 'NZD')
    await page
      .getByLabel('Xero account of PO lines')
      .selectOption({ label: '310 · Cost of Goods Sold' })

    const org = sandboxes.xero.state.organisation(product.xeroTenantId!)!
    org.currencies!.push({ Code: 'USD', Description: 'US Dollar' })
    try {
      await page.evaluate(() => ((globalThis as any).marker = 'same page'))
      await page.getByRole('button', { name: 'Refresh Xero currencies' }).click()
      await page.waitForSelector('[data-testid="xero-currency-list"] span[title="USD · US Dollar"]')
      assert.match((await list.textContent())!, /NZD\s+USD/)
      assert.equal(await page.evaluate(() => (globalThis as any).marker), 'same page')
      assert.equal(await page.getByLabel('Xero account of PO lines').inputValue(), '310')
      await page.assertTextContains(
        '[data-testid="list-age-xero_currencies"]',
        'Xero currencies: 2 fetched'
      )
    } finally {
      org.currencies!.pop()
    }
  })

  test('never-sync companies: typing searches 2,000 companies, a click or Enter adds one, × removes one', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await ownerOfConnectedProduct()
    const companies = sandboxes.autotask.state.sorted('Companies')
    assert.isAtLeast(companies.length, 2000)
    // Two companies whose whole name matches no other company.
    const unique = companies.filter(
      (company) =>
        companies.filter((other) => String(other.companyName).includes(String(company.companyName)))
          .length === 1
    )
    assert.isAtLeast(unique.length, 2)
    const [first, second] = [unique[Math.floor(unique.length / 2)], unique.at(-1)!]
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/settings`)

    const search = page.getByLabel('Never sync these Autotask companies')
    // A broad word matches many: 20 are shown with how many more there are.
    await search.fill(String(first.companyName).split(' ')[0])
    await page.assertTextContains('[data-testid="company-results-more"]', 'keep typing')
    assert.lengthOf(await page.locator('[data-testid="company-results"] li').all(), 20)

    // The whole name narrows it to the one company; the mouse adds it.
    await search.fill(String(first.companyName))
    await page.getByTestId(`add-company-${first.id}`).click()
    await page.waitForSelector(`[data-testid="skip-company-${first.id}"]`)

    // Keyboard: type, Tab to the first match, Enter adds it; Enter in the search box does not submit the form.
    await search.fill('')
    await search.focus()
    await page.keyboard.type(String(second.companyName))
    await page.keyboard.press('Enter')
    await page.getByTestId(`add-company-${second.id}`).waitFor()
    await page.keyboard.press('Tab')
    assert.equal(
      await page.evaluate(() => (globalThis as any).document.activeElement?.dataset.testid),
      `add-company-${second.id}`
    )
    await page.keyboard.press('Enter')
    await page.waitForSelector(`[data-testid="skip-company-${second.id}"]`)
    assert.isNull((await Product.findOrFail(product.id)).settings)

    // × removes the first again.
    await page.getByRole('button', { name: `Remove ${first.companyName}` }).click()
    await page.waitForSelector(`[data-testid="skip-company-${first.id}"]`, { state: 'detached' })

    await page.getByTestId('save-settings').click()
    await page.assertTextContains('[data-testid="settings-notice"]', 'Saved')
    assert.deepEqual((await Product.findOrFail(product.id)).effectiveSettings.skipCompanyIds, [
      second.id,
    ])
    await page.assertTextContains(
      `[data-testid="skip-company-${second.id}"]`,
      String(second.companyName)
    )
    await page.screenshot({
      path: 'tmp/screenshots/settings-never-sync-companies.png',
      fullPage: true,
    })
  })
})
