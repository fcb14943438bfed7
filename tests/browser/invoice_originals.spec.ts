import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import {
  productWithSandboxInvoice,
  useAutotaskSandbox,
  type AutotaskWorld,
} from '#tests/helpers/autotask_world'
import InvoiceRecord from '#models/invoice_record'

test.group('View originals in a browser', (group) => {
  let world: AutotaskWorld
  group.each.setup(async () => {
    await resetDatabase()
    world = await useAutotaskSandbox()
    return () => world.close()
  })

  test("the blue button opens the originals at once and Autotask's copy loads into its sandboxed frame", async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world)
    // Slow Autotask down so the loading state is there to be seen.
    world.sandbox.state.setLatency(600, 'Invoices')
    await browserContext.loginAs(user)
    const page = await visit(`/products/${product.id}/invoices`)
    await page.getByTestId('originals-button').click()
    await page.assertVisible('[data-testid="originals-dialog"]')
    await page.assertTextContains(
      '[data-testid="autotask-copy-loading"]',
      "Fetching Autotask's copy"
    )

    const frame = page.frameLocator('[data-testid="autotask-original"]')
    await frame.locator('h1').waitFor()
    assert.equal(await frame.locator('h1').textContent(), `Tax Invoice ${invoice.invoiceNumber}`)
    // The copy carries a <script> that renames the document: in the sandboxed frame it never runs.
    assert.equal(await frame.locator('title').textContent(), `Invoice ${invoice.invoiceNumber}`)
    assert.equal(await page.getByTestId('autotask-original').getAttribute('sandbox'), '')
    await page.screenshot({ path: 'tmp/screenshots/originals-fetched.png', fullPage: true })

    assert.lengthOf(await world.markupRequests(invoice.autotaskId), 1)
    assert.include(
      (await InvoiceRecord.findOrFail(invoice.id)).autotaskHtml,
      `Tax Invoice ${invoice.invoiceNumber}`
    )

    // Closed and opened again: the stored copy shows without another call.
    await page.keyboard.press('Escape')
    await page.assertNotVisible('[data-testid="originals-dialog"]')
    await page.getByTestId('originals-button').click()
    await page.frameLocator('[data-testid="autotask-original"]').locator('h1').waitFor()
    assert.lengthOf(await world.markupRequests(invoice.autotaskId), 1)
  })
})
