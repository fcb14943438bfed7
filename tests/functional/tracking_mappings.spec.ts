import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { UserFactory } from '#database/factories/user_factory'
import Mapping from '#models/mapping'
import Product from '#models/product'
import LiveList from '#models/live_list'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { randomUUID } from 'node:crypto'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

/** The mappings page's tracking and template sections: lists from the services, choices checked before saving. */
test.group('Mappings: tracking categories and invoice templates', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld()
    return () => world.close()
  })

  async function owner() {
    return UserFactory.merge({ accountId: world.product.accountId }).create()
  }

  function put(client: any, user: any, form: Record<string, string>) {
    return client
      .put(`/products/${world.product.id}/setup/mappings`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(user)
      .form({ defaultAccount: '200', ...form })
  }

  test('the page lists categories, territories, departments, lines of business and templates from the cached lists, with their age', async ({
    client,
    assert,
  }) => {
    const user = await owner()
    const page = await client.get(`/products/${world.product.id}/setup/mappings`).loginAs(user)
    page.assertStatus(200)
    for (const name of ['Region', 'Department', 'Business Unit'])
      page.assertTextIncludes(`<option value="${name}"`)
    page.assertTextIncludes('data-testid="list-age-xero_tracking_categories"')
    page.assertTextIncludes('data-testid="refresh-autotask_territories"')
    page.assertTextIncludes('Detailed invoice')
    // Each list was fetched once and cached with the time it was fetched.
    const cached = await LiveList.query().where('product_id', world.product.id)
    assert.includeMembers(
      cached.map((row) => row.kind),
      [
        'xero_tracking_categories',
        'autotask_territories',
        'autotask_departments',
        'autotask_lines_of_business',
        'autotask_invoice_templates',
      ]
    )
    const territories = cached.find((row) => row.kind === 'autotask_territories')!
    assert.deepEqual(
      territories.entries.map((entry) => entry.label),
      ['North Island', 'South Island', 'Pacific']
    )
    // A category chosen (htmx re-render with the page's choices): its options appear for each territory.
    const chosen = await client
      .get(`/products/${world.product.id}/setup/mappings`)
      .qs({ 'trackingCategories[territory]': 'Region' })
      .header('HX-Request', 'true')
      .loginAs(user)
    assert.match(
      chosen.text(),
      /name="trackingOptions\[territory\]\[id2\]">[\s\S]*?<option value="South"\s*>/
    )
    // The archived option is not offered.
    assert.notInclude(chosen.text(), 'value="Overseas"')
  })

  test('every list of the page is cached: an item added in Xero shows only after Refresh, which comes back to the page', async ({
    client,
    assert,
  }) => {
    const user = await owner()
    const first = await client.get(`/products/${world.product.id}/setup/mappings`).loginAs(user)
    first.assertTextIncludes('data-testid="list-age-autotask_billing_codes"')
    first.assertTextIncludes('data-testid="list-age-xero_tax_rates"')
    // Preselection works from the cached lists: Remote Support (GL 200) → account 200.
    assert.match(
      first.text(),
      /name="billingCodes\[id29682801\]">[\s\S]*?<option value="200" selected>/
    )
    const items = world.xero.state.organisation(NZ)!.items
    items.push({ ...items[0], ItemID: randomUUID(), Code: 'BACKUP-1TB', Name: 'Cloud backup 1 TB' })
    const cached = await client.get(`/products/${world.product.id}/setup/mappings`).loginAs(user)
    assert.notInclude(cached.text(), 'BACKUP-1TB')

    const refresh = await client
      .post(`/products/${world.product.id}/settings/lists/xero_items/refresh`)
      .qs({ back: 'mappings' })
      .withCsrfToken()
      .loginAs(user)
      .redirects(0)
    refresh.assertStatus(302)
    refresh.assertHeader('location', `/products/${world.product.id}/setup/mappings`)
    const fresh = await client.get(`/products/${world.product.id}/setup/mappings`).loginAs(user)
    assert.match(
      fresh.text(),
      /name="billingCodeItems\[id29682801\]">[\s\S]*?<option value="BACKUP-1TB"\s*>BACKUP-1TB · Cloud backup 1 TB</
    )
  })

  test('tracking and template choices are saved with the setting; an untracked dimension loses its options', async ({
    client,
    assert,
  }) => {
    const user = await owner()
    const theme = world.xero.state.organisation(NZ)!.brandingThemes[1]
    const saved = await put(client, user, {
      'trackingCategories[territory]': 'Region',
      'trackingCategories[line_of_business]': 'Business Unit',
      'trackingOptions[territory][id1]': 'North',
      'trackingOptions[territory][id2]': 'South',
      'trackingOptions[line_of_business][id3]': 'Products',
      'trackingOptions[department][id1]': 'Support',
      'trackingUnmapped': 'fault',
      'invoiceTemplates[id103]': theme.BrandingThemeID,
    })
    saved.assertStatus(204)
    saved.assertHeader('hx-redirect', '/')
    const rows = await Mapping.query()
      .where('product_id', world.product.id)
      .whereNotIn('kind', ['tax_region', 'billing_code', 'billing_code_item'])
      .orderBy('kind')
      .orderBy('autotask_value')
    assert.deepEqual(
      rows.map((row) => `${row.kind}:${row.autotaskValue}→${row.xeroValue}`),
      [
        `invoice_template:103→${theme.BrandingThemeID}`,
        'line_of_business:3→Products',
        'territory:1→North',
        'territory:2→South',
        'tracking_category:line_of_business→Business Unit',
        'tracking_category:territory→Region',
      ]
    )
    assert.equal(
      (await Product.findOrFail(world.product.id)).effectiveSettings.trackingUnmapped,
      'fault'
    )

    // Territory no longer tracked: its options go too.
    await put(client, user, {
      'trackingCategories[line_of_business]': 'Business Unit',
      'trackingOptions[line_of_business][id3]': 'Products',
    })
    const kinds = (await Mapping.query().where('product_id', world.product.id)).map((m) => m.kind)
    assert.notInclude(kinds, 'territory')
    assert.include(kinds, 'line_of_business')
  })

  test('a third category, one category twice, or an option of another category is refused with a 422 and nothing saved', async ({
    client,
    assert,
  }) => {
    const user = await owner()
    const three = await put(client, user, {
      'trackingCategories[territory]': 'Region',
      'trackingCategories[department]': 'Department',
      'trackingCategories[line_of_business]': 'Business Unit',
    })
    three.assertStatus(422)
    three.assertTextIncludes('Xero takes at most 2 tracking categories on a line')
    const twice = await put(client, user, {
      'trackingCategories[territory]': 'Region',
      'trackingCategories[department]': 'Region',
    })
    twice.assertStatus(422)
    twice.assertTextIncludes('is chosen for two dimensions')
    const foreign = await put(client, user, {
      'trackingCategories[territory]': 'Region',
      'trackingOptions[territory][id1]': 'Support',
    })
    foreign.assertStatus(422)
    foreign.assertTextIncludes(
      '&quot;Support&quot; is not available in Xero for Territory North Island'
    )
    const archived = await put(client, user, {
      'trackingCategories[territory]': 'Region',
      'trackingOptions[territory][id1]': 'Overseas',
    })
    archived.assertStatus(422)
    assert.lengthOf(
      await Mapping.query()
        .where('product_id', world.product.id)
        .whereIn('kind', ['tracking_category', 'territory']),
      0
    )
  })
})
