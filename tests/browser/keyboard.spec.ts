import { test } from '@japa/runner'
import type { Page } from 'playwright-core'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import { recordStatusLabels } from '#enums/record_status'
import Product from '#models/product'
import User from '#models/user'
import { assertRecordStatus } from '#tests/helpers/assertions'

/**
 * Everything the help page describes, done with the keyboard alone: the pages
 * are driven with page.keyboard (Tab, Shift+Tab, Enter, Space, Escape, typing),
 * never with clicks, and each step asserts where focus is and what happened.
 */

interface Focused {
  tag: string
  id: string
  testid: string | null
  name: string
  /** the name attribute of a form field */
  field: string | null
  /** the id of the nearest ancestor that has one */
  container: string | null
  inDialog: boolean
  /** a keyboard focus ring is drawn: an outline of 2 px or more, in a colour far from the background behind it */
  ringVisible: boolean
}

async function focused(page: Page): Promise<Focused | null> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document
    const el = doc.activeElement
    if (!el || el === doc.body) return null
    const styleOf = (node: any) => (globalThis as any).getComputedStyle(node)
    const style = styleOf(el)
    const rgb = (colour: string) => (colour.match(/[\d.]+/g) ?? []).map(Number)
    // The ring must stand out from what is behind it: the nearest ancestor with a solid background.
    let behind = [255, 255, 255]
    for (let node = el.parentElement; node; node = node.parentElement) {
      const [r, g, b, a = 1] = rgb(styleOf(node).backgroundColor)
      if (a > 0.5) {
        behind = [r, g, b]
        break
      }
    }
    const ring = rgb(style.outlineColor)
    const contrast = Math.hypot(ring[0] - behind[0], ring[1] - behind[1], ring[2] - behind[2])
    const name = el.getAttribute('aria-label') || el.textContent || el.value || ''
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      testid: el.getAttribute('data-testid'),
      name: String(name).trim().replace(/\s+/g, ' '),
      field: el.getAttribute('name'),
      container: el.parentElement?.closest('[id]')?.id ?? null,
      inDialog: Boolean(el.closest('dialog')),
      ringVisible:
        style.outlineStyle !== 'none' &&
        Number.parseFloat(style.outlineWidth) >= 2 &&
        contrast > 150,
    }
  })
}

const describe = (f: Focused | null) =>
  f ? `${f.tag}#${f.id || '-'}[${f.testid ?? ''}] "${f.name.slice(0, 40)}"` : '(nothing)'

/**
 * Presses a key and returns where focus settles. Tabbing past the originals frame (a sandboxed,
 * cross-origin document in its own renderer) hands focus to that renderer and back, and for a
 * moment under load focus is on nothing in this page: that moment is not where focus went.
 */
async function focusedAfterKey(page: Page, key: string) {
  await page.keyboard.press(key)
  let now = await focused(page)
  for (let attempt = 0; attempt < 40 && (!now || now.tag === 'iframe'); attempt++) {
    await page.waitForTimeout(25)
    now = await focused(page)
  }
  return now
}

/**
 * Presses Tab (or Shift+Tab) until the focused element matches; fails with the path taken if it
 * never does. Every element passed on the way must show a visible focus ring.
 */
async function tabTo(
  page: Page,
  wanted: (f: Focused) => boolean,
  options: { back?: boolean; max?: number } = {}
) {
  const path: string[] = []
  for (let step = 0; step < (options.max ?? 60); step++) {
    const now = await focusedAfterKey(page, options.back ? 'Shift+Tab' : 'Tab')
    path.push(describe(now))
    if (now && now.tag !== 'iframe' && !now.ringVisible) {
      throw new Error(`no visible focus ring on ${describe(now)}`)
    }
    if (now && wanted(now)) return now
  }
  throw new Error(`never reached the element; focus went ${path.join(' → ')}`)
}

/** Waits (briefly) for focus to land on an element, as after a swap or a dialog closing. */
async function expectFocus(page: Page, wanted: (f: Focused) => boolean, what: string) {
  let last: Focused | null = null
  for (let attempt = 0; attempt < 40; attempt++) {
    last = await focused(page)
    if (last && wanted(last)) return last
    await page.waitForTimeout(50)
  }
  throw new Error(`expected focus on ${what}, found ${describe(last)}`)
}

/**
 * Waits until htmx has no request in flight (the Search button is no longer dimmed) and has settled what
 * it swapped in.
 */
async function htmxSettled(page: Page) {
  await page.waitForFunction(
    () =>
      !(globalThis as any).document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')
  )
}

async function seeded() {
  const owner = await UserFactory.with('account').create()
  const product = await ProductFactory.merge({
    accountId: owner.accountId,
    name: 'Keyboard Books',
  }).create()
  const faulted = await InvoiceRecordFactory.merge({
    productId: product.id,
    invoiceNumber: 'F-1',
    companyName: 'Faulty Ltd',
  })
    .apply('fault')
    .create()
  await InvoiceRecordFactory.merge({
    productId: product.id,
    invoiceNumber: 'F-2',
    companyName: 'Faulty Ltd',
  })
    .apply('fault')
    .create()
  const synced = await InvoiceRecordFactory.merge({
    productId: product.id,
    invoiceNumber: 'S-1',
    companyName: 'Synced Co',
    xeroInvoiceNumber: 'INV-0001',
    xeroUrl: 'https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=1',
    autotaskHtml: '<h1>Autotask invoice S-1</h1><p>Thank you for your business</p>',
  })
    .apply('synced')
    .create()
  await product.related('logs').createMany([
    {
      level: 'info',
      event: 'invoice.discovered',
      message: 'Invoice P-1 found for Pending Pty',
      autotaskId: 5551,
    },
    {
      level: 'error',
      event: 'invoice.fault',
      message: 'Invoice F-1: tax region not mapped',
      autotaskId: 5552,
    },
  ])
  return { owner, product, faulted, synced }
}

test.group('Keyboard only (browser)', (group) => {
  group.each.setup(resetDatabase)

  test('the dashboard tabs in reading order with a visible ring, and the Products menu opens by focus', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit('/')
    const order: string[] = []
    await tabTo(page, (f) => {
      order.push(f.testid ?? f.name)
      return f.testid === 'status-toggle'
    })
    assert.deepEqual(order, [
      'Accounting Toolbox',
      'View Dashboard',
      'Products',
      'Add a New Product',
      'Users',
      'Audit',
      `${owner.displayName} (owner)`,
      'Sign out',
      'Add a New Product',
      product.name,
      'fault-button',
      'status-toggle',
    ])

    // Back to the navigation: the Products menu is closed, and opens as soon as focus is on it.
    await page.assertNotVisible('#products-menu')
    await tabTo(page, (f) => f.name === 'Products', { back: true })
    await page.assertVisible('#products-menu')
    await page.screenshot({ path: 'tmp/screenshots/keyboard-products-menu.png' })
    await page.keyboard.press('Tab')
    const item = await focused(page)
    assert.equal(item?.container, 'products-menu')
    assert.equal(item?.name, 'Add a New Product')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/products\/new$/)

    // The red fault button: Enter opens the product showing only its faults.
    await page.goto('/')
    await tabTo(page, (f) => f.testid === 'fault-button')
    await page.keyboard.press('Enter')
    await page.waitForURL(/status=fault/)
    await page.assertElementsCount('[data-testid="record-row"]', 2)
  })

  test('Paused ↔ Active: the toggle asks in a dialog that traps focus, Escape cancels, Enter confirms', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit('/')
    const toggle = `status-toggle-${product.id}`
    await tabTo(page, (f) => f.id === toggle)
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="status-confirm"]')
    await page.assertTextContains(
      '[data-testid="status-confirm"]',
      `Start syncing ${product.name}?`
    )
    let now = await expectFocus(
      page,
      (f) => f.testid === 'status-confirm-button',
      'the confirm button'
    )
    assert.equal(now.name, 'Start syncing')
    await page.screenshot({ path: 'tmp/screenshots/keyboard-toggle-confirm.png' })

    // Tab and Shift+Tab go round the two buttons and never leave the dialog.
    const seen: string[] = []
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key)
      const inside = await focused(page)
      assert.isTrue(inside?.inDialog, `${key} left the dialog for ${describe(inside)}`)
      seen.push(inside!.name)
    }
    assert.deepEqual(seen, ['Cancel', 'Start syncing', 'Cancel', 'Start syncing', 'Cancel'])

    // Escape cancels: nothing changes, focus is back on the toggle.
    await page.keyboard.press('Escape')
    await page.assertNotVisible('[data-testid="status-confirm"]')
    await expectFocus(page, (f) => f.id === toggle, 'the toggle')
    await assertRecordStatus(product, 'paused')

    // Space opens it again; Enter on the focused confirm button starts syncing.
    await page.keyboard.press('Space')
    await page.assertVisible('[data-testid="status-confirm"]')
    await expectFocus(page, (f) => f.testid === 'status-confirm-button', 'the confirm button')
    await page.keyboard.press('Enter')
    await page.assertTextContains('[data-testid="product-status"]', 'Active')
    now = await expectFocus(page, (f) => f.id === toggle, 'the re-rendered toggle')
    assert.equal(now.name, 'Pause')
    await assertRecordStatus(product, 'active')
  })

  test('product tabs switch by keyboard, and each tab is a URL', async ({
    visit,
    browserContext,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices`)
    for (const [label, path] of [
      ['Purchase Orders', 'purchase-orders'],
      ['Sync Logs', 'logs'],
      ['Analytics', 'analytics'],
      ['Settings', 'settings'],
      ['Invoices', 'invoices'],
    ]) {
      await tabTo(page, (f) => f.tag === 'a' && f.name === label)
      await page.keyboard.press('Enter')
      await page.assertPath(`/products/${product.id}/${path}`)
    }
  })

  test('the invoice grid: search, status dialog with focus inside and trapped, resync, Escape back to the row', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product, faulted } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices`)
    await tabTo(page, (f) => f.testid === 'search')
    await page.keyboard.type('F-1')
    await page.waitForURL(/q=F-1/)
    await page.assertElementsCount('[data-testid="record-row"]', 1)
    // The status filter answers typing on the focused select; leaving the search box reloads nothing.
    await page.keyboard.press('Tab')
    assert.equal((await focused(page))?.testid, 'status-filter')
    await page.keyboard.type('Fault')
    await page.waitForURL(
      (url) => url.searchParams.get('status') === 'fault' && url.searchParams.get('q') === 'F-1'
    )
    await page.assertElementsCount('[data-testid="record-row"]', 1)
    await page.keyboard.press('Home')
    await page.waitForURL((url) => !url.searchParams.get('status'))
    await page.assertElementsCount('[data-testid="record-row"]', 1)
    // The row count is the same before and after: wait, as a person would, for the grid to finish loading.
    await htmxSettled(page)

    const button = `status-button-${faulted.id}`
    await tabTo(page, (f) => f.id === button)
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="record-dialog"]')
    const first = await expectFocus(page, (f) => f.inDialog, 'the dialog')
    assert.equal(first.name, 'Close')
    await page.screenshot({ path: 'tmp/screenshots/keyboard-dialog-open.png' })

    for (const key of [...Array(14).fill('Tab'), ...Array(14).fill('Shift+Tab')]) {
      await page.keyboard.press(key)
      const now = await focused(page)
      assert.isTrue(now?.inDialog, `${key} left the dialog for ${describe(now)}`)
    }

    await tabTo(page, (f) => f.name.startsWith('Resync this invoice'))
    await page.keyboard.press('Space')
    await page.assertTextContains(
      '[data-testid="resync-explainer"]',
      'No Xero document is linked yet'
    )
    await tabTo(page, (f) => f.testid === 'resync-confirm')
    await page.screenshot({ path: 'tmp/screenshots/keyboard-dialog-resync.png' })
    await page.keyboard.press('Enter')
    await page.assertTextContains('[data-testid="dialog-status"]', 'Pending Sync')
    await expectFocus(page, (f) => f.inDialog, 'the re-rendered dialog')

    await page.keyboard.press('Escape')
    await page.assertNotVisible('[data-testid="record-dialog"]')
    await expectFocus(page, (f) => f.id === button, "the row's status button")
    await page.assertTextContains(`#${button}`, 'Pending Sync')
    await assertRecordStatus(faulted, 'pending')

    // Space opens the dialog as well, and Escape brings focus back again.
    await page.keyboard.press('Space')
    await page.assertVisible('[data-testid="record-dialog"]')
    await page.keyboard.press('Escape')
    await page.assertNotVisible('[data-testid="record-dialog"]')
    await expectFocus(page, (f) => f.id === button, "the row's status button")
  })

  test('when the row that opened the dialog leaves the grid, Escape lands in the grid, not at the page top', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product, faulted } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices?status=fault`)
    await tabTo(page, (f) => f.id === `status-button-${faulted.id}`)
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="record-dialog"]')
    await tabTo(page, (f) => f.name.startsWith('Resync this invoice'))
    await page.keyboard.press('Enter')
    await tabTo(page, (f) => f.testid === 'resync-confirm')
    await page.keyboard.press('Enter')
    await page.assertTextContains('[data-testid="dialog-status"]', 'Pending Sync')
    // The grid shows faults only, so the resynced row is gone from it.
    await page.assertElementsCount('[data-testid="record-row"]', 1)
    await page.keyboard.press('Escape')
    await page.assertNotVisible('[data-testid="record-dialog"]')
    const now = await expectFocus(
      page,
      (f) => f.testid === 'status-button',
      'the next row of the grid'
    )
    assert.notEqual(now.id, `status-button-${faulted.id}`)
  })

  test('View originals by keyboard: the copy in its frame, Tab stays in the dialog, Escape returns to the opener', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product, synced } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices?q=S-1`)
    const blue = `originals-button-${synced.id}`
    await tabTo(page, (f) => f.id === blue)
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="originals-dialog"]')
    await page.frameLocator('[data-testid="autotask-original"]').locator('h1').waitFor()
    await expectFocus(page, (f) => f.inDialog && f.name === 'Close', 'the close button')

    const round: string[] = []
    for (let step = 0; step < 5; step++) {
      const now = await focusedAfterKey(page, 'Tab')
      assert.isTrue(now?.inDialog, `Tab left the dialog for ${describe(now)}`)
      round.push(now!.name)
    }
    assert.deepEqual(round, [
      'Open the copy in a new tab',
      'Open in Xero',
      'Close',
      'Close',
      'Open the copy in a new tab',
    ])
    await page.keyboard.press('Escape')
    await page.assertNotVisible('[data-testid="originals-dialog"]')
    await expectFocus(page, (f) => f.id === blue, 'the blue button')

    // From the status dialog: View originals replaces it, and Escape still returns to the row's status button.
    const status = `status-button-${synced.id}`
    await tabTo(page, (f) => f.id === status, { back: true })
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="record-dialog"]')
    await tabTo(page, (f) => f.testid === 'dialog-originals-button')
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="originals-dialog"]')
    await page.keyboard.press('Escape')
    await page.assertNotVisible('[data-testid="originals-dialog"]')
    await expectFocus(page, (f) => f.id === status, "the row's status button")
  })

  test('a row the grid has just re-rendered opens its dialog from Enter and Space at once, before htmx has settled it', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product, faulted } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices?q=F-1`)
    const button = `status-button-${faulted.id}`
    await tabTo(page, (f) => f.id === button)
    // htmx settles swapped-in content 20 ms after the swap, much later on a loaded machine: put it off past
    // the end of the test, so the keys below surely land in between, as a person's can.
    await page.evaluate(() => ((globalThis as any).htmx.config.defaultSettleDelay = 60_000))
    for (const key of ['Enter', 'Space']) {
      // The grid re-renders (an action in a dialog, or its 10 s refresh); htmx moves focus to the new row's button.
      await page.evaluate(() => {
        const doc = (globalThis as any).document
        doc.querySelector('[data-testid="records-table"]').setAttribute('data-stale', '')
        ;(globalThis as any).htmx.trigger(doc.body, 'records-changed')
      })
      await page.waitForSelector('[data-testid="records-table"]:not([data-stale])', {
        state: 'attached',
      })
      await expectFocus(page, (f) => f.id === button, "the new row's status button")
      assert.isTrue(
        await page
          .locator('#records-table')
          .evaluate((grid) => grid.classList.contains('htmx-settling'))
      )

      await page.keyboard.press(key)
      await page.assertVisible('[data-testid="record-dialog"]')
      const inside = await expectFocus(page, (f) => f.inDialog, 'the dialog')
      assert.equal(inside.name, 'Close')
      await page.assertPath(`/products/${product.id}/invoices`)
      await page.keyboard.press('Escape')
      await page.assertNotVisible('[data-testid="record-dialog"]')
      await expectFocus(page, (f) => f.id === button, "the row's status button")
    }
  })

  test('keys pressed straight after Escape keep focus where they put it, and the next dialog gives it back there', async ({
    visit,
    browserContext,
  }) => {
    const { owner, product, synced } = await seeded()
    await browserContext.loginAs(owner)
    // The browser queues a dialog's close event. On the loaded machine it came after the next keys:
    // Escape, Shift+Tab, Enter, then close, then the new dialog. Deliver it in that order here (or after
    // a second if no Enter comes).
    await browserContext.addInitScript(() => {
      const w = globalThis as any
      let held: any = null
      const deliver = () => {
        const dialog = held
        held = null
        dialog?.dispatchEvent(Object.assign(new w.Event('close'), { late: true }))
      }
      w.addEventListener(
        'close',
        (event: any) => {
          if (event.late) return
          event.stopImmediatePropagation()
          held = event.target
          setTimeout(deliver, 1000)
        },
        true
      )
      w.addEventListener('keyup', (event: any) => event.key === 'Enter' && deliver(), true)
    })
    const page = await visit(`/products/${product.id}/invoices?q=S-1`)
    const blue = `originals-button-${synced.id}`
    const status = `status-button-${synced.id}`
    await tabTo(page, (f) => f.id === blue)
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="originals-dialog"]')
    await expectFocus(page, (f) => f.inDialog && f.name === 'Close', 'the close button')

    // No pause between the keys: a person who knows the page goes straight back to the row's status button.
    await page.keyboard.press('Escape')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="record-dialog"]')
    await expectFocus(page, (f) => f.inDialog, 'the status dialog')
    await tabTo(page, (f) => f.testid === 'dialog-originals-button')
    await page.keyboard.press('Enter')
    await page.assertVisible('[data-testid="originals-dialog"]')
    await page.keyboard.press('Escape')
    await page.assertNotVisible('[data-testid="originals-dialog"]')
    await expectFocus(page, (f) => f.id === status, "the row's status button")
  })

  test('the export buttons download the list from the keyboard', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices?status=fault`)
    await tabTo(page, (f) => f.testid === 'export-csv')
    const [csv] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
    assert.match(csv.suggestedFilename(), /^invoices-\d+-[\d-]+\.csv$/)
    await page.keyboard.press('Tab')
    assert.equal((await focused(page))?.testid, 'export-xlsx')
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
    assert.match(xlsx.suggestedFilename(), /\.xlsx$/)
  })

  test('Sync Logs: search boxes, Refresh, Live tail and Sync Now from the keyboard', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await seeded()
    product.status = 'active'
    await product.save()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/logs`)

    await tabTo(page, (f) => f.name === 'Text')
    await page.keyboard.type('mapped')
    await page.waitForURL((url) => url.searchParams.get('q') === 'mapped')
    await page.assertElementsCount('[data-testid="log-line"]', 1)
    await page.keyboard.press('Tab')
    assert.equal((await focused(page))?.name, 'Autotask ID')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Control+a')
    await page.keyboard.press('Backspace')
    await page.waitForURL((url) => !url.searchParams.get('q'))
    await page.assertElementsCount('[data-testid="log-line"]', 2)
    await tabTo(page, (f) => f.name === 'From')
    await page.keyboard.type('01012020')
    await page.waitForURL((url) => url.searchParams.get('from') === '2020-01-01')
    await page.assertElementsCount('[data-testid="log-line"]', 2)

    await product
      .related('logs')
      .create({ level: 'info', event: 'test', message: 'Written while the page was open' })
    await tabTo(page, (f) => f.testid === 'refresh-logs')
    await page.keyboard.press('Enter')
    await page.assertTextContains('[data-testid="log-table"]', 'Written while the page was open')

    await tabTo(page, (f) => f.testid === 'live-tail')
    await page.keyboard.press('Space')
    assert.isTrue(await page.getByTestId('live-tail').isChecked())
    await product
      .related('logs')
      .create({ level: 'info', event: 'test', message: 'Tailed in by itself' })
    await page.getByText('Tailed in by itself').waitFor({ timeout: 8000 })
    await page.keyboard.press('Space')
    assert.isFalse(await page.getByTestId('live-tail').isChecked())

    await tabTo(page, (f) => f.testid === 'sync-now', { back: true })
    await page.keyboard.press('Enter')
    await page.assertTextContains(
      '[data-testid="sync-now-result"]',
      'the engine starts at its next check (every 10 seconds)'
    )
    assert.isNotNull((await Product.findOrFail(product.id)).syncRequestedAt)
  })

  test('Settings: change, save and fix an error from the keyboard, with focus where the person needs it', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/settings`)

    await tabTo(page, (f) => f.id === 'daysBack')
    await page.keyboard.press('Control+a')
    await page.keyboard.type('500')
    await page.keyboard.press('Enter')
    await page.assertVisible('#daysBack-error')
    let now = await expectFocus(page, (f) => f.id === 'daysBack', 'the invalid field')
    assert.equal(await page.locator('#daysBack').getAttribute('aria-invalid'), 'true')

    await page.keyboard.press('Control+a')
    await page.keyboard.type('45')
    const before = (await Product.findOrFail(product.id)).effectiveSettings.skipZeroTotal
    await tabTo(page, (f) => f.field === 'skipZeroTotal', { max: 5 })
    await page.keyboard.press('Space')
    await tabTo(page, (f) => f.testid === 'save-settings')
    await page.keyboard.press('Enter')
    await page.assertTextContains('[data-testid="settings-notice"]', 'Saved')
    now = await expectFocus(page, (f) => f.testid === 'settings-notice', 'the saved notice')
    assert.include(now.name, 'Saved')
    const saved = (await Product.findOrFail(product.id)).effectiveSettings
    assert.equal(saved.daysBack, 45)
    assert.notEqual(saved.skipZeroTotal, before)
  })

  test('Users: add a user and change a role from the keyboard', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit('/users')
    await tabTo(page, (f) => f.name === 'Add a user')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/users\/new$/)
    await tabTo(page, (f) => f.id === 'email')
    await page.keyboard.type('kim@example.com')
    await page.keyboard.press('Tab')
    await page.keyboard.type('Kim Keys')
    await page.keyboard.press('Tab')
    await page.keyboard.type('a-long-password-1')
    await page.keyboard.press('Tab')
    assert.equal((await focused(page))?.id, 'role')
    await page.keyboard.type('admin')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await page.assertTextContains('main', 'kim@example.com can sign in as admin')
    assert.equal((await User.findByOrFail('email', 'kim@example.com')).role, 'admin')

    await tabTo(page, (f) => f.name === 'Role of kim@example.com')
    await page.keyboard.type('viewer')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await page.assertTextContains('main', 'kim@example.com is now viewer')
    assert.equal((await User.findByOrFail('email', 'kim@example.com')).role, 'viewer')
  })

  test('at phone width the burger is a button that opens the menu from the keyboard', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit('/')
    await page.setViewportSize({ width: 390, height: 844 })
    await tabTo(page, (f) => f.name === 'menu', { max: 3 })
    await page.keyboard.press('Enter')
    await page.assertVisible('.navbar-menu.is-active')
    assert.equal(
      await page.getByRole('button', { name: 'menu' }).getAttribute('aria-expanded'),
      'true'
    )
    await page.keyboard.press('Tab')
    assert.equal((await focused(page))?.name, 'View Dashboard')
  })

  test('statuses are told in words, not by colour alone', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await seeded()
    await InvoiceRecordFactory.merge({ productId: product.id, invoiceNumber: 'P-1' }).create()
    await InvoiceRecordFactory.merge({
      productId: product.id,
      invoiceNumber: 'K-1',
      status: 'skipped',
    }).create()
    await browserContext.loginAs(owner)

    const page = await visit(`/products/${product.id}/invoices`)
    const labels = await page.getByTestId('status-button').allTextContents()
    assert.sameMembers(
      [...new Set(labels.map((label) => label.trim()))],
      [
        recordStatusLabels.fault,
        recordStatusLabels.synced,
        recordStatusLabels.pending,
        recordStatusLabels.skipped,
      ]
    )

    await page.goto('/')
    assert.equal((await page.getByTestId('product-status').textContent())?.trim(), 'Paused')
    assert.match(
      (await page.getByTestId('health-autotask').textContent())!.trim(),
      /^(Connected|Not checked yet|Error.*)$/
    )
    assert.equal((await page.getByTestId('fault-button').textContent())?.trim(), '2 sync issues')

    await page.goto(`/products/${product.id}/logs`)
    const errorRow = page.locator('[data-testid="log-line"].has-text-danger')
    assert.equal((await errorRow.locator('.tag').textContent())?.trim(), 'error')
    // …and the colour backs the word up: the error line's message is drawn in another colour than an info line's.
    const colourOf = (row: string) =>
      page
        .locator(row)
        .locator('td')
        .nth(3)
        .evaluate((cell) => (globalThis as any).getComputedStyle(cell).color as string)
    assert.notEqual(
      await colourOf('[data-testid="log-line"].has-text-danger'),
      await colourOf('[data-testid="log-line"]:not(.has-text-danger)')
    )
  })

  test('focus lost in a swap comes back even when another swap lands before the first settles', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices`)
    // Two htmx responses in flight: the first swaps out the focused button, the second lands elsewhere
    // within htmx's 20 ms settle delay. The events are those htmx fires, in the order it fires them then.
    const after = await page.evaluate(() => {
      const doc = (globalThis as any).document
      const main = doc.querySelector('main')
      const first = doc.createElement('div')
      first.innerHTML = '<button type="button">Focused before the swap</button>'
      main.prepend(first)
      const second = doc.createElement('div')
      main.append(second)
      first.querySelector('button').focus()
      const fire = (target: any, name: string, xhr: object) =>
        target.dispatchEvent(
          new (globalThis as any).CustomEvent(name, { bubbles: true, detail: { xhr, target } })
        )
      const firstRequest = {}
      const secondRequest = {}
      fire(first, 'htmx:beforeSwap', firstRequest)
      first.replaceChildren() // the swap removes the focused button
      fire(second, 'htmx:beforeSwap', secondRequest)
      fire(second, 'htmx:afterSettle', secondRequest)
      fire(first, 'htmx:afterSettle', firstRequest)
      const active = doc.activeElement
      return { onBody: active === doc.body, inMain: main.contains(active) }
    })
    assert.isFalse(after.onBody, 'focus was left on the page body')
    assert.isTrue(after.inMain)
  })
})
