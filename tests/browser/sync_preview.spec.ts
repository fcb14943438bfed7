import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { UserFactory } from '#database/factories/user_factory'
import InvoiceRecord from '#models/invoice_record'

type World = Awaited<ReturnType<typeof startSyncWorld>>

test.group('Preview next sync in a browser', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ xeroClient: { timeoutMs: 20_000 } })
    await world.product.merge({ status: 'paused' }).save()
    return () => world.close()
  })

  test('on a paused product, Preview shows it running, then the counts, the reasons and a payload', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const owner = await UserFactory.merge({
      accountId: world.product.accountId,
      role: 'owner',
    }).create()
    await browserContext.loginAs(owner)
    const page = await visit('/')
    await page.assertTextContains('[data-testid="product-status"]', 'Paused')
    await page.getByTestId('preview-link').first().click()
    await page.waitForURL(`**/products/${world.product.id}/preview`)
    await page.assertTextContains('[data-testid="preview-result"]', 'No preview yet')

    await page.getByTestId('start-preview').click()
    await page.locator('[data-testid="preview-result"][data-state="finished"]').waitFor({
      timeout: 60_000,
    })
    await page.assertTextContains('[data-testid="preview-counts-invoices"]', '22 ready')
    await page.assertTextContains(
      '[data-testid="preview-records"]',
      'Tax region "VAT UK" is not mapped to a Xero tax rate.'
    )
    const ready = page.locator('[data-testid="preview-record"][data-outcome="ready"]').first()
    const number = (await ready.locator('td').first().textContent())!.trim().split(' ').at(-1)!
    await ready.getByTestId('preview-payload-button').click()
    await page.assertTextContains('[data-testid="preview-payload"]', `"InvoiceNumber": "${number}"`)
    await page.screenshot({ path: 'tmp/screenshots/sync-preview.png', fullPage: true })

    assert.equal(
      await InvoiceRecord.query()
        .where('product_id', world.product.id)
        .count('* as n')
        .then((r) => Number(r[0].$extras.n)),
      0,
      'nothing stored'
    )
  }).timeout(120_000)
})
