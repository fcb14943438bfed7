import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'

test.group('Phone width and keyboard (browser)', (group) => {
  group.each.setup(resetDatabase)

  test('at 390 px the menu folds behind the burger and the grid still reads', async ({
    visit,
    browserContext,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({
      accountId: owner.accountId,
      name: 'Pocket Books',
    }).create()
    await InvoiceRecordFactory.merge({ productId: product.id, invoiceNumber: 'PH-1' })
      .apply('fault')
      .create()
    await browserContext.loginAs(owner)
    const page = await visit('/')
    await page.setViewportSize({ width: 390, height: 844 })
    await page.assertNotVisible('text=Add a New Product >> nth=0')
    await page.getByRole('button', { name: 'menu' }).click()
    await page.assertVisible('.navbar-menu.is-active')
    await page.assertTextContains('[data-testid="product-card"]', 'Pocket Books')
    await page.screenshot({ path: 'tmp/screenshots/phone-dashboard.png', fullPage: true })

    await page.goto(`/products/${product.id}/invoices`)
    await page.assertTextContains('[data-testid="records-table"]', 'PH-1')
    await page.screenshot({ path: 'tmp/screenshots/phone-invoices.png', fullPage: true })
    // Nothing but the table itself (which scrolls in its container) may be wider than the phone.
    const overflow = await page.evaluate(
      () => (globalThis as any).document.documentElement.scrollWidth as number
    )
    if (overflow > 390) throw new Error(`the page is ${overflow} px wide at a 390 px viewport`)
  })

  test('the status dialog opens and closes from the keyboard', async ({
    visit,
    browserContext,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    await InvoiceRecordFactory.merge({ productId: product.id, invoiceNumber: 'KB-1' })
      .apply('fault')
      .create()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices`)
    await page.getByTestId('status-button').focus()
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="record-dialog"]')
    await page.keyboard.press('Escape')
    await page.assertNotVisible('[data-testid="record-dialog"]')
  })
})
