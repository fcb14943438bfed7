import { test } from '@japa/runner'
import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'

/** Clicks an export link and returns the invoice numbers in the CSV it downloads. */
async function exportedNumbers(page: Page) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-csv').click(),
  ])
  const rows = (await readFile((await download.path())!, 'utf8'))
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .slice(1)
  return rows.map((row) => row.split(',')[1]).sort()
}

test.group('Exports follow the screen (browser)', (group) => {
  group.each.setup(resetDatabase)

  test('type a search, pick a status: Export CSV holds exactly the rows on screen', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    for (let index = 0; index < 12; index++) {
      await InvoiceRecordFactory.merge({
        productId: product.id,
        invoiceNumber: index < 4 ? `1011-${index}` : `2000-${index}`,
      })
        .apply(index % 2 === 0 ? 'fault' : 'synced')
        .create()
    }
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices`)
    await page.assertElementsCount('[data-testid="record-row"]', 12)

    // Typed, not submitted: the live search swaps the grid in place.
    await page.getByTestId('search').pressSequentially('1011')
    await page.assertElementsCount('[data-testid="record-row"]', 4)
    assert.deepEqual(await exportedNumbers(page), ['1011-0', '1011-1', '1011-2', '1011-3'])

    await page.getByTestId('status-filter').selectOption('fault')
    await page.assertElementsCount('[data-testid="record-row"]', 2)
    assert.deepEqual(await exportedNumbers(page), ['1011-0', '1011-2'])

    // Cleared again: the export is the whole list once more.
    await page.getByTestId('search').fill('')
    await page.getByTestId('status-filter').selectOption('')
    await page.assertElementsCount('[data-testid="record-row"]', 12)
    assert.lengthOf(await exportedNumbers(page), 12)
  })
})
