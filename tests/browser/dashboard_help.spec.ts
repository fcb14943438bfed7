import { test } from '@japa/runner'
import { readFile } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import { assertRecordStatus } from '#tests/helpers/assertions'

/**
 * One test per item of the help page ("Understanding the Dashboard"), driven
 * through Chromium. Screenshots land in tmp/screenshots for a person to look at.
 */
async function seeded(plan: 'professional' | 'starter' = 'professional') {
  const owner = await UserFactory.with('account', 1, (a) =>
    plan === 'starter' ? a.apply('starter') : a
  ).create()
  const product = await ProductFactory.merge({
    accountId: owner.accountId,
    name: 'Auckland Books',
  }).create()
  await InvoiceRecordFactory.merge({
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
  await InvoiceRecordFactory.merge({
    productId: product.id,
    invoiceNumber: 'S-1',
    companyName: 'Synced Co',
    xeroInvoiceNumber: 'INV-0001',
    autotaskHtml: '<h1>Autotask invoice S-1</h1><p>Thank you for your business</p>',
  })
    .apply('synced')
    .create()
  await InvoiceRecordFactory.merge({
    productId: product.id,
    invoiceNumber: 'P-1',
    companyName: 'Pending Pty',
  }).create()
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
  return { owner, product }
}

test.group('The help page, in a browser', (group) => {
  group.each.setup(resetDatabase)

  test('starting the sync: switch a product from Paused to Active', async ({
    visit,
    browserContext,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit('/')
    await page.assertTextContains('[data-testid="product-status"]', 'Paused')
    await page.screenshot({ path: 'tmp/screenshots/dashboard-faults.png', fullPage: true })
    await page.getByTestId('status-toggle').click()
    await page.assertTextContains('[data-testid="status-confirm"]', 'Start syncing Auckland Books?')
    await page.getByTestId('status-confirm-button').click()
    await page.assertTextContains('[data-testid="product-status"]', 'Active')
    await assertRecordStatus(product, 'active')
  })

  test('the red fault button opens the product showing only its sync issues', async ({
    visit,
    browserContext,
  }) => {
    const { owner } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit('/')
    await page.assertTextContains('[data-testid="fault-button"]', '2 sync issues')
    await page.getByTestId('fault-button').click()
    await page.waitForURL(/status=fault/)
    await page.assertElementsCount('[data-testid="record-row"]', 2)
    await page.assertTextContains('[data-testid="records-table"]', 'F-1')
    await page.assertNotExists('text=S-1')
    await page.screenshot({ path: 'tmp/screenshots/invoices-faults.png', fullPage: true })
  })

  test('tabs: Invoices, Purchase Orders, Sync Logs, each a URL', async ({
    visit,
    browserContext,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices`)
    await page.getByRole('link', { name: 'Purchase Orders' }).click()
    await page.assertPath(`/products/${product.id}/purchase-orders`)
    await page.assertTextContains('[data-testid="no-records"]', 'No purchase orders yet')
    await page.screenshot({ path: 'tmp/screenshots/purchase-orders.png', fullPage: true })
    await page.getByRole('link', { name: 'Sync Logs' }).click()
    await page.assertPath(`/products/${product.id}/logs`)
    await page.assertTextContains('[data-testid="log-table"]', 'tax region not mapped')
    await page.screenshot({ path: 'tmp/screenshots/sync-logs.png', fullPage: true })
    await page.getByRole('link', { name: 'Invoices' }).click()
    await page.assertPath(`/products/${product.id}/invoices`)
  })

  test('searching filters the grid as you type and the URL keeps the search', async ({
    visit,
    browserContext,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices`)
    await page.assertElementsCount('[data-testid="record-row"]', 4)
    await page.getByTestId('search').pressSequentially('synced co', { delay: 20 })
    await page.waitForURL(/q=synced/)
    await page.assertElementsCount('[data-testid="record-row"]', 1)
    await page.assertTextContains('[data-testid="records-table"]', 'S-1')
    await page.reload()
    await page.assertElementsCount('[data-testid="record-row"]', 1)
  })

  test('the status button opens the step-through log, and resync sets it Pending Sync', async ({
    visit,
    browserContext,
  }) => {
    const { owner, product } = await seeded()
    const faulted = await InvoiceRecord.findByOrFail('invoice_number', 'F-1')
    await product.related('logs').create({
      invoiceRecordId: faulted.id,
      level: 'error',
      event: 'invoice.fault',
      message: 'Tax region "GST NZ" is not mapped',
    })
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices?q=F-1`)
    await page.getByTestId('status-button').first().click()
    await page.assertVisible('[data-testid="record-dialog"]')
    await page.assertTextContains('[data-testid="step-log"]', 'Tax region "GST NZ" is not mapped')
    await page.assertTextContains('[data-testid="fault"]', 'Map it in Settings')
    await page.getByText('Resync this invoice…').click()
    await page.assertTextContains(
      '[data-testid="resync-explainer"]',
      'No Xero document is linked yet'
    )
    await page.screenshot({ path: 'tmp/screenshots/status-dialog.png', fullPage: true })
    await page.getByTestId('resync-confirm').click()
    await page.assertTextContains('[data-testid="dialog-status"]', 'Pending Sync')
    await page.assertTextContains(
      '[data-testid="step-log"]',
      `Fault → Pending Sync by ${owner.email}`
    )
    // The grid behind the dialog refreshed itself.
    await page.assertTextContains('[data-testid="records-table"]', 'Pending Sync')
    await assertRecordStatus(faulted, 'pending')
  })

  test('view originals: the Autotask HTML copy in a sandboxed frame beside Xero', async ({
    visit,
    browserContext,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices?q=S-1`)
    await page.getByTestId('originals-button').click()
    const frame = page.frameLocator('[data-testid="autotask-original"]')
    await frame.locator('h1').waitFor()
    const heading = await frame.locator('h1').textContent()
    if (heading !== 'Autotask invoice S-1') throw new Error(`unexpected frame content: ${heading}`)
    await page.assertTextContains('[data-testid="originals-dialog"]', 'INV-0001')
    await page.screenshot({ path: 'tmp/screenshots/originals.png', fullPage: true })
  })

  test('export: the CSV and Excel files download and parse', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await seeded()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/invoices?status=fault`)

    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ])
    const csvText = await readFile((await csv.path())!, 'utf8')
    const rows = csvText
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    assert.lengthOf(rows, 3)
    assert.include(rows[1], 'Faulty Ltd')

    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-xlsx').click(),
    ])
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile((await xlsx.path())!)
    assert.equal(workbook.getWorksheet('Invoices')!.rowCount, 3)
  })

  test('sync logs: search by text and Autotask id, refresh in place, Sync Now', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { owner, product } = await seeded()
    product.status = 'active'
    await product.save()
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/logs`)
    await page.getByLabel('Autotask ID').fill('5551')
    await page.waitForURL(/autotaskId=5551/)
    await page.assertElementsCount('[data-testid="log-line"]', 1)
    await page.assertTextContains('[data-testid="log-table"]', 'Invoice P-1 found')

    await page.getByLabel('Autotask ID').fill('')
    await page.getByLabel('Text').fill('mapped')
    await page.waitForURL(
      (url) => url.searchParams.get('q') === 'mapped' && !url.searchParams.get('autotaskId')
    )
    await page.assertElementsCount('[data-testid="log-line"]', 1)

    await page.getByLabel('Text').fill('')
    await page.waitForURL((url) => !url.searchParams.get('q'))
    await product
      .related('logs')
      .create({ level: 'info', event: 'test', message: 'A line written meanwhile' })
    await page.getByTestId('refresh-logs').click()
    await page.assertTextContains('[data-testid="log-table"]', 'A line written meanwhile')

    await page.getByTestId('sync-now').click()
    await page.assertTextContains(
      '[data-testid="sync-now-result"]',
      'the engine starts at its next check (every 10 seconds)'
    )
    await page.assertTextContains('[data-testid="log-table"]', 'Sync Now requested by')
    assert.isNotNull((await Product.findOrFail(product.id)).syncRequestedAt)
  })

  test('Sync Now is shown disabled with the reason on a plan without it', async ({
    visit,
    browserContext,
  }) => {
    const { owner, product } = await seeded('starter')
    await browserContext.loginAs(owner)
    const page = await visit(`/products/${product.id}/logs`)
    await page.assertDisabled('[data-testid="sync-now"]')
    await page.assertTextContains(
      '[data-testid="sync-now-disabled-reason"]',
      'not part of the Starter plan'
    )
  })
})
