import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { UserFactory } from '#database/factories/user_factory'
import InvoiceRecord from '#models/invoice_record'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** A person sees what the mappings miss, maps it, and resyncs what it held back, in Chromium. */
test.group('Mappings: the "seen but unmapped" panel, in a browser', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ xeroClient: { timeoutMs: 30_000 } })
    return () => world.close()
  })

  test('the unmapped tax region is listed with its faulted invoices; mapped and resynced, they wait to sync again', async ({
    visit,
    browserContext,
    assert,
  }) => {
    await world.run()
    const faulted = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'fault')
      .where('autotask_tax_region_id', 4)
    assert.isAbove(faulted.length, 0)
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
    await browserContext.loginAs(owner)

    const page = await visit(`/products/${world.product.id}/setup/mappings`)
    const row = page.getByTestId('unmapped-tax_region-4')
    await row.waitFor()
    assert.include(await row.innerText(), 'VAT UK')
    assert.equal((await row.locator('td').nth(3).innerText()).trim(), String(faulted.length))
    await page.screenshot({ path: 'tmp/screenshots/mappings-unmapped-panel.png', fullPage: true })

    // The link in the panel leads to the row to map; map it and save.
    await row.getByRole('link').click()
    await page.locator('select[name="taxRegions[id4]"]').selectOption('OUTPUT2')
    await page.getByTestId('save-mappings').click()
    await page.waitForURL((url) => url.pathname === '/')

    const again = await visit(`/products/${world.product.id}/setup/mappings`)
    await again.getByTestId('unmapped-none').waitFor()
    await again.getByTestId('resync-held').click()
    await again.assertTextContains(
      '[role="status"]',
      `${faulted.length} invoice(s) held back by a missing mapping will sync on the next run.`
    )
    for (const record of faulted) {
      await record.refresh()
      assert.equal(record.status, 'pending')
    }
  }).timeout(120_000)
})
