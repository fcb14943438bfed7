import { test } from '@japa/runner'
import type { Page } from 'playwright-core'
import { Decimal } from 'decimal.js'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { UserFactory } from '#database/factories/user_factory'
import InvoiceRecord from '#models/invoice_record'
import SyncLog from '#models/sync_log'
import Account from '#models/account'

const LONG_NAME =
  'Taumatawhakatangihangakoauauotamateaturipukakapikimaungahoronukupokaiwhenuakitanatahu Regional Plumbing, Drainage & Gasfitting Cooperative Society Limited'

/** How wide the page is against the window, and every element wider than the window (for the message). */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const doc = (globalThis as any).document
    const width = (globalThis as any).innerWidth as number
    const wide = [...doc.querySelectorAll('body *')]
      .filter((el: any) => el.getBoundingClientRect().right > width + 1)
      .slice(0, 5)
      .map((el: any) => `${el.tagName.toLowerCase()}.${el.className}`)
    return { scrollWidth: doc.documentElement.scrollWidth as number, width, wide }
  })
}

async function assertNoHorizontalOverflow(page: Page, where: string) {
  const { scrollWidth, width, wide } = await overflow(page)
  if (scrollWidth > width)
    throw new Error(
      `${where}: the page is ${scrollWidth} px wide in a ${width} px window (${wide})`
    )
}

/** Lines a cell's text takes on screen (1 = it did not wrap). */
async function linesOf(page: Page, selector: string) {
  return page.locator(selector).evaluate((cell: any) => {
    const range = cell.ownerDocument.createRange()
    range.selectNodeContents(cell)
    // A rect starting below the bottom of the line before it is a new line (mixed font sizes share one line).
    const rects = [...range.getClientRects()].sort((a: any, b: any) => a.top - b.top)
    let lines = 0
    let bottom = -Infinity
    for (const rect of rects as any[]) {
      if (rect.width === 0) continue
      if (rect.top >= bottom - 1) lines++
      bottom = Math.max(bottom, rect.bottom)
    }
    return lines
  })
}

test.group('Layouts hold with real data (browser)', (group) => {
  group.each.setup(resetDatabase)

  for (const viewport of [
    { width: 1366, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test(`at ${viewport.width} px: a long company name and a diagnostic trace stay inside the window`, async ({
      visit,
      browserContext,
      assert,
    }) => {
      const world = await startSyncWorld({
        autotask: { invoices: 4, companies: 2 },
        xeroClient: { timeoutMs: 15_000 },
      })
      try {
        await world.run()
        // Long names in the top bar too (the factories' random ones made it overflow now and then).
        await Account.query().where('id', world.product.accountId).update({
          name: 'Whanganui-a-Tara Managed Services & Cloud Infrastructure Partners Limited',
        })
        const staff = await UserFactory.merge({
          accountId: world.product.accountId,
          role: 'owner',
          fullName: 'Aroha Te Whakaaro-Fitzgerald Montgomery-Ngata',
        })
          .apply('staff')
          .create()
        const target = await InvoiceRecord.query()
          .where('product_id', world.product.id)
          .orderBy('id', 'desc')
          .firstOrFail()
        await InvoiceRecord.query()
          .where('id', target.id)
          .update({ company_name: LONG_NAME, total: new Decimal('150534.41').toFixed(4) })

        await browserContext.loginAs(staff)
        const page = await visit(`/products/${world.product.id}/invoices`)
        await page.setViewportSize(viewport)
        await page.reload()
        const row = page.locator('[data-testid="record-row"]', { hasText: 'Taumata' })
        await assert.equal(await row.count(), 1)

        // Run diagnostic for real: a dry run that logs Autotask's records and the payload Xero would get, as one-line JSON.
        await row.getByTestId('status-button').click()
        await page.getByTestId('action-diagnose').click()
        await page.assertTextContains('[data-testid="dialog-status"]', 'Diagnostic Mode')
        await page.assertTextContains('[data-testid="step-log"]', 'Payload Xero would receive')
        const longest = await SyncLog.query()
          .where('invoice_record_id', target.id)
          .where('event', 'diagnostic.trace')
          .orderByRaw('LENGTH(message) DESC')
          .firstOrFail()
        assert.isAbove(longest.message.length, 1000, 'the trace logged a long one-line payload')
        await page.screenshot({
          path: `tmp/screenshots/layout-${viewport.width}-dialog.png`,
          fullPage: true,
        })
        const dialog = await page.getByTestId('record-dialog').evaluate((el: any) => ({
          scrollWidth: el.scrollWidth as number,
          clientWidth: el.clientWidth as number,
          right: el.getBoundingClientRect().right as number,
        }))
        assert.isAtMost(dialog.scrollWidth, dialog.clientWidth, 'the dialog content fits')
        assert.isAtMost(dialog.right, viewport.width, 'the dialog is inside the window')
        await page.keyboard.press('Escape')

        // The grid: nothing wider than the window, and the long name's row keeps its date, total and Xero number on one line each.
        await page.screenshot({
          path: `tmp/screenshots/layout-${viewport.width}-invoices.png`,
          fullPage: true,
        })
        await assertNoHorizontalOverflow(page, 'Invoices')
        const rowSelector = `#status-button-${target.id}`
        const cell = (name: string) =>
          `[data-testid="record-row"]:has(${rowSelector}) .cell-${name}`
        for (const name of ['date', 'total', 'number', 'xero']) {
          assert.equal(await linesOf(page, cell(name)), 1, `the ${name} stays on one line`)
        }
        await page.assertTextContains(cell('total'), 'NZD\u00a0150,534.41')
        const table = await page.getByTestId('records-table').evaluate((el: any) => ({
          width: el.getBoundingClientRect().width as number,
          container: el.parentElement.clientWidth as number,
        }))
        assert.isAtMost(table.width, table.container, 'the grid does not scroll sideways')

        // Every tab is on screen, and on a phone a row shows its status first.
        for (const tab of ['Invoices', 'Purchase Orders', 'Sync Logs', 'Analytics', 'Settings']) {
          const box = await page.locator('.tabs a', { hasText: tab }).boundingBox()
          assert.isAtMost(box!.x + box!.width, viewport.width, `the ${tab} tab is on screen`)
        }
        const status = await page.locator(rowSelector).boundingBox()
        assert.isAtMost(status!.x + status!.width, viewport.width, 'the status button is on screen')
        if (viewport.width < 769) {
          const number = await page.locator(cell('number')).boundingBox()
          const party = await page.locator(cell('party')).boundingBox()
          // The card's first line: status, then the number to its right; the company on the line below.
          assert.isBelow(
            Math.abs(status!.y + status!.height / 2 - (number!.y + number!.height / 2)),
            4
          )
          assert.isBelow(status!.x, number!.x, 'status comes first')
          assert.isBelow(status!.y, party!.y, 'status comes before the company')
        }

        // Sync Logs with the trace in it: folded payloads, nothing wider than the window.
        await page.goto(`/products/${world.product.id}/logs`)
        await page.assertVisible('[data-testid="log-table"]')
        await page.screenshot({
          path: `tmp/screenshots/layout-${viewport.width}-logs.png`,
          fullPage: true,
        })
        await assertNoHorizontalOverflow(page, 'Sync Logs')
        const logs = await page.getByTestId('log-table').evaluate((el: any) => ({
          width: el.getBoundingClientRect().width as number,
          container: el.parentElement.clientWidth as number,
        }))
        assert.isAtMost(logs.width, logs.container, 'the log does not scroll sideways')
        await page.locator('.log-payload summary').first().click()
        await assertNoHorizontalOverflow(page, 'Sync Logs with a payload unfolded')

        // View originals of an invoice the engine pushed: what Xero holds, read from the Xero sandbox, fits too.
        const pushed = await InvoiceRecord.query()
          .where('product_id', world.product.id)
          .where('status', 'synced')
          .firstOrFail()
        await page.goto(`/products/${world.product.id}/invoices`)
        await page.locator(`#originals-button-${pushed.id}`).click()
        await page.assertTextContains('[data-testid="xero-status"]', 'DRAFT')
        await page.assertTextContains(
          '[data-testid="xero-amount-due"]',
          `${pushed.currency}\u00a0${pushed.total.toFixed(2)}`
        )
        await page.screenshot({
          path: `tmp/screenshots/layout-${viewport.width}-originals.png`,
          fullPage: true,
        })
        const originals = await page.getByTestId('originals-dialog').evaluate((el: any) => ({
          scrollWidth: el.scrollWidth as number,
          clientWidth: el.clientWidth as number,
        }))
        assert.isAtMost(originals.scrollWidth, originals.clientWidth, 'the originals fit')
      } finally {
        await world.close()
      }
    })
  }
})
