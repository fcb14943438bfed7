import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { UserFactory } from '#database/factories/user_factory'
import { chooseWithArrowKeys } from '#tests/helpers/browser'
import Mapping from '#models/mapping'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** A person maps from the lists, in Chromium: tracking by mouse and keyboard, a list refreshed in place, billing codes searched. */
test.group(
  'Mappings: tracking chosen from lists, and the billing-code search, in a browser',
  (group) => {
    let world: World
    group.each.setup(async () => {
      await resetDatabase()
      world = await startSyncWorld()
      return () => world.close()
    })

    test('a category and its options chosen with the mouse and the keyboard, a territory list refreshed in place, then saved', async ({
      visit,
      browserContext,
      assert,
    }) => {
      const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
      await browserContext.loginAs(owner)
      const page = await visit(`/products/${world.product.id}/setup/mappings`)

      // Mouse: territory → "Region"; the territories' options appear without a reload.
      await page.evaluate(() => ((globalThis as any).marker = 'same page'))
      await page.getByLabel('Territory', { exact: true }).selectOption({ label: 'Region' })
      const north = page.getByLabel('North Island', { exact: true })
      await north.waitFor()
      await north.selectOption({ label: 'North' })

      // Keyboard: the arrow keys in the focused selects.
      const south = page.getByLabel('South Island', { exact: true })
      await chooseWithArrowKeys(page, south, 'South')
      assert.equal(await south.inputValue(), 'South')
      await chooseWithArrowKeys(page, page.getByLabel('Department', { exact: true }), 'Department')
      const desk = page.getByLabel('Service Desk', { exact: true })
      await desk.waitFor()
      await chooseWithArrowKeys(page, desk, 'Support')
      assert.equal(await desk.inputValue(), 'Support')
      assert.equal(await page.evaluate(() => (globalThis as any).marker), 'same page')
      assert.equal(await north.inputValue(), 'North')

      // A territory added in Autotask appears after Refresh, keeping the choices made.
      const territories = world.autotask.state.picklists.get('Companies.territoryID')!
      territories.push({ ...territories[0], value: '9', label: 'Chatham Islands', sortOrder: 9 })
      try {
        await page.getByTestId('refresh-autotask_territories').click()
        const chatham = page.getByLabel('Chatham Islands', { exact: true })
        await chatham.waitFor()
        assert.equal(await page.getByLabel('North Island', { exact: true }).inputValue(), 'North')
        assert.equal(await page.getByLabel('Service Desk', { exact: true }).inputValue(), 'Support')
        await chatham.focus()
        await page.keyboard.type('Cen')
        assert.equal(await chatham.inputValue(), 'Central')
      } finally {
        territories.pop()
      }
      await page.screenshot({ path: 'tmp/screenshots/mappings-tracking.png', fullPage: true })

      await page.getByTestId('save-mappings').click()
      await page.waitForURL((url) => url.pathname === '/')
      const rows = await Mapping.query()
        .where('product_id', world.product.id)
        .whereIn('kind', ['tracking_category', 'territory', 'department'])
        .orderBy('kind')
        .orderBy('autotask_value')
      assert.deepEqual(
        rows.map((row) => `${row.kind}:${row.autotaskValue}→${row.xeroValue}`),
        [
          'department:1→Support',
          'territory:1→North',
          'territory:2→South',
          'territory:9→Central',
          'tracking_category:department→Department',
          'tracking_category:territory→Region',
        ]
      )
    }).timeout(120_000)

    test('typing narrows the billing codes without losing focus; rows left out keep their choice when saved', async ({
      visit,
      browserContext,
      assert,
    }) => {
      const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
      await browserContext.loginAs(owner)
      const page = await visit(`/products/${world.product.id}/setup/mappings`)
      // Hardware (GL 300) → 260, chosen before searching.
      await page.locator('select[name="billingCodes[id29682804]"]').selectOption('260')

      const search = page.getByLabel('Find a billing code')
      await search.focus()
      await page.keyboard.type('support')
      await page.assertTextContains('#billingCodeSearch-count', '2 of 8 billing codes shown.')
      assert.equal(
        await page.evaluate(() => (globalThis as any).document.activeElement?.id),
        'billingCodeSearch'
      )
      assert.lengthOf(await page.locator('[data-testid="billingCodes-table"] tbody tr').all(), 2)
      // Keyboard: focus the first match's select and pick an account by typing.
      const remote = page.locator('select[name="billingCodes[id29682801]"]')
      await remote.focus()
      await page.keyboard.type('400')
      assert.equal(await remote.inputValue(), '400')

      await page.getByTestId('save-mappings').click()
      await page.waitForURL((url) => url.pathname === '/')
      const rows = await Mapping.query()
        .where('product_id', world.product.id)
        .where('kind', 'billing_code')
        .whereIn('autotask_value', ['29682801', '29682804'])
        .orderBy('autotask_value')
      assert.deepEqual(
        rows.map((row) => row.xeroValue),
        ['400', '260']
      )
    }).timeout(120_000)
  }
)
