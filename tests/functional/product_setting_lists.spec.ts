import { test } from '@japa/runner'
import { AUTOTASK_SANDBOX_USER } from '#sandbox/autotask/index'
import { XERO_SANDBOX_ACCOUNT_CODES } from '#sandbox/xero/index'
import Product from '#models/product'
import LiveList from '#models/live_list'
import { UserFactory } from '#database/factories/user_factory'
import { resetDatabase } from '#tests/helpers/database'
import { useSetupSandboxes } from '#tests/helpers/setup_sandboxes'
import { connectedProduct } from '#tests/helpers/xero_sandbox'

type Sandboxes = Awaited<ReturnType<typeof useSetupSandboxes>>

/** An owner and a product connected to both sandboxes (Xero's NZ organisation, the Autotask API user). */
async function ownerOfConnectedProduct(sandboxes: Sandboxes) {
  const product = await connectedProduct(sandboxes.xero)
  product.merge({
    autotaskUsername: AUTOTASK_SANDBOX_USER.username,
    autotaskSecret: AUTOTASK_SANDBOX_USER.secret,
    autotaskIntegrationCode: AUTOTASK_SANDBOX_USER.integrationCode,
  })
  await product.save()
  const owner = await UserFactory.merge({ accountId: product.accountId }).create()
  return { owner, product }
}

const form = {
  invoiceStatus: 'DRAFT',
  numbering: 'autotask',
  dueDateSource: 'autotask',
  daysBack: '30',
  maxTransientAttempts: '8',
  roundingTolerance: '0.05',
  purchaseOrderDocumentType: 'PURCHASEORDER',
  purchaseOrderTriggerStatus: '2',
}

test.group('Settings chosen from live lists', (group) => {
  let sandboxes: Sandboxes
  group.setup(async () => {
    sandboxes = await useSetupSandboxes()
    return () => sandboxes.stop()
  })
  group.each.setup(resetDatabase)

  test('the page offers Xero accounts, tax rates and Autotask PO statuses fetched from the services, with their age', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerOfConnectedProduct(sandboxes)
    const page = await client.get(`/products/${product.id}/settings`).loginAs(owner)
    page.assertStatus(200)
    const html = page.text()
    // PO statuses come from PurchaseOrders/entityInformation/fields, labels as Autotask names them.
    assert.match(
      html,
      /<select id="purchaseOrderTriggerStatus"[^>]*>[\s\S]*<option value="2" selected>Submitted<\/option>/
    )
    assert.include(html, '<option value="4" >Received Full</option>')
    assert.include(
      html,
      `<option value="${XERO_SANDBOX_ACCOUNT_CODES.purchases}" selected>300 · Purchases</option>`
    )
    assert.include(html, '<option value="INPUT2" selected>')
    // Bank and archived accounts are not offered.
    assert.notInclude(html, '090 · Business Bank Account')
    assert.notInclude(html, 'Old Sales (archived)')
    assert.include(html, 'data-testid="list-age-xero_accounts"')
    assert.match(html, /Xero accounts: \d+ fetched <time/)
    assert.notInclude(html, 'name="skipCompanyIds"')
    const cached = await LiveList.query().where('product_id', product.id)
    assert.sameMembers(
      cached.map((row) => row.kind),
      [
        'xero_accounts',
        'xero_tax_rates',
        'xero_branding_themes',
        'xero_currencies',
        'autotask_po_statuses',
        'autotask_companies',
      ]
    )
    // A second view reads the cache: Autotask is not asked again.
    const before = sandboxes.autotask.state.requests.length
    await client.get(`/products/${product.id}/settings`).loginAs(owner)
    assert.equal(sandboxes.autotask.state.requests.length, before)
  })

  test('Refresh fetches a list afresh: a new Autotask status appears and the fields re-render on the event', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerOfConnectedProduct(sandboxes)
    await client.get(`/products/${product.id}/settings`).loginAs(owner)
    sandboxes.autotask.state.picklists.get('PurchaseOrders.status')!.push({
      value: '9',
      label: 'Approved by finance',
      isDefaultValue: false,
      sortOrder: 9,
      parentValue: '',
      isActive: true,
      isSystem: false,
    })
    const stale = await client
      .get(`/products/${product.id}/settings/fields/purchaseOrderTriggerStatus`)
      .header('HX-Request', 'true')
      .loginAs(owner)
    assert.notInclude(stale.text(), 'Approved by finance')

    const refresh = await client
      .post(`/products/${product.id}/settings/lists/autotask_po_statuses/refresh`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
    refresh.assertStatus(204)
    refresh.assertHeader('hx-trigger', 'live-list-autotask_po_statuses')

    const field = await client
      .get(`/products/${product.id}/settings/fields/purchaseOrderTriggerStatus`)
      .qs({ purchaseOrderTriggerStatus: '4' })
      .header('HX-Request', 'true')
      .loginAs(owner)
    field.assertStatus(200)
    assert.include(field.text(), '<option value="9" >Approved by finance</option>')
    assert.include(field.text(), '<option value="4" selected>Received Full</option>')
    assert.notInclude(field.text(), '<html')
    sandboxes.autotask.state.picklists.get('PurchaseOrders.status')!.pop()
  })

  test("the currencies Xero accepts are shown from Xero's list; one added in Xero shows after Refresh", async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerOfConnectedProduct(sandboxes)
    product.settings = { ...(product.settings ?? {}), currency: 'NZD' }
    await product.save()
    const page = await client.get(`/products/${product.id}/settings`).loginAs(owner)
    const currencies = () =>
      /data-testid="xero-currency-list">([\s\S]*?)<\/p>/.exec(page.text())![1]
    assert.match(currencies(), /title="NZD · New Zealand Dollar">NZD \(base\)<\/span>/)
    assert.notInclude(currencies(), 'USD')
    assert.match(page.text(), /Xero currencies: 1 fetched <time/)

    const org = sandboxes.xero.state.organisation(product.xeroTenantId!)!
    org.currencies!.push({ Code: 'USD', Description: 'US Dollar' })
    try {
      const refresh = await client
        .post(`/products/${product.id}/settings/lists/xero_currencies/refresh`)
        .withCsrfToken()
        .header('HX-Request', 'true')
        .loginAs(owner)
      refresh.assertStatus(204)
      refresh.assertHeader('hx-trigger', 'live-list-xero_currencies')
      // The block re-renders itself on that event from the page it came from.
      assert.include(page.text(), 'hx-trigger="live-list-xero_currencies from:body"')
      const again = await client.get(`/products/${product.id}/settings`).loginAs(owner)
      const list = /data-testid="xero-currency-list">([\s\S]*?)<\/p>/.exec(again.text())![1]
      assert.match(list, /title="USD · US Dollar">USD<\/span>/)
      assert.match(again.text(), /Xero currencies: 2 fetched <time/)
    } finally {
      org.currencies!.pop()
    }
  })

  test('saving takes only listed values: a typed code is refused with 422 and nothing is saved', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerOfConnectedProduct(sandboxes)
    const response = await client
      .put(`/products/${product.id}/settings`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
      .form({
        ...form,
        purchaseOrderAccountCode: '999',
        purchaseOrderTaxType: 'MADEUP',
        purchaseOrderTriggerStatus: '77',
        skipCompanyIds: ['123456789'],
      })
    response.assertStatus(422)
    response.assertTextIncludes('id="purchaseOrderAccountCode-error"')
    response.assertTextIncludes('id="purchaseOrderTaxType-error"')
    response.assertTextIncludes('id="purchaseOrderTriggerStatus-error"')
    response.assertTextIncludes('id="skipCompanyIds-error"')
    response.assertTextIncludes('Choose a value from the list')
    assert.isNull((await Product.findOrFail(product.id)).settings)
  })

  test('listed values are saved: accounts, tax rate, PO status and never-sync companies', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerOfConnectedProduct(sandboxes)
    const companies = sandboxes.autotask.state.sorted('Companies').slice(1, 3)
    const response = await client
      .put(`/products/${product.id}/settings`)
      .withCsrfToken()
      .loginAs(owner)
      .form({
        ...form,
        roundingLineEnabled: '1',
        roundingAccountCode: XERO_SANDBOX_ACCOUNT_CODES.roundingAccount,
        purchaseOrderAccountCode: XERO_SANDBOX_ACCOUNT_CODES.costOfGoodsSold,
        purchaseOrderTaxType: 'ZERORATED',
        purchaseOrderTriggerStatus: '4',
        skipCompanyIds: companies.map((company) => String(company.id)),
      })
      .redirects(0)
    response.assertStatus(302)
    const settings = (await Product.findOrFail(product.id)).effectiveSettings
    assert.equal(settings.roundingLine.accountCode, '860')
    assert.deepEqual(
      settings.skipCompanyIds,
      companies.map((company) => company.id)
    )
    assert.equal(settings.purchaseOrders.triggerStatus, 4)
    assert.equal(settings.purchaseOrders.accountCode, '310')
    assert.equal(settings.purchaseOrders.taxType, 'ZERORATED')

    const page = await client.get(`/products/${product.id}/settings`).loginAs(owner)
    for (const company of companies) {
      page.assertTextIncludes(`data-testid="skip-company-${company.id}"`)
      page.assertTextIncludes(String(company.companyName).replaceAll('&', '&amp;'))
    }
  })

  test('the company search matches every word typed; a chosen company becomes a chip carrying its id', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerOfConnectedProduct(sandboxes)
    const target = sandboxes.autotask.state.sorted('Companies')[2]
    const name = String(target.companyName)
    const words = name.toLowerCase().split(' ').slice(0, 2).join('  ')
    const search = await client
      .get(`/products/${product.id}/settings/companies`)
      .qs({ q: words })
      .header('HX-Request', 'true')
      .loginAs(owner)
    search.assertStatus(200)
    assert.include(search.text(), `data-testid="add-company-${target.id}"`)
    assert.include(search.text(), name.replaceAll('&', '&amp;'))
    const none = await client
      .get(`/products/${product.id}/settings/companies`)
      .qs({ q: 'zzz-no-such-company' })
      .loginAs(owner)
    assert.include(none.text(), 'No Autotask company matches')
    const chip = await client
      .get(`/products/${product.id}/settings/companies/${target.id}`)
      .loginAs(owner)
    assert.include(chip.text(), `name="skipCompanyIds[]" value="${target.id}"`)
    const missing = await client
      .get(`/products/${product.id}/settings/companies/99999999`)
      .loginAs(owner)
    missing.assertStatus(404)
  })

  test('without a connection the lists say what to do and the stored values stay', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await Product.create({
      accountId: owner.accountId,
      name: 'Unconnected',
      status: 'paused',
    })
    const page = await client.get(`/products/${product.id}/settings`).loginAs(owner)
    page.assertStatus(200)
    page.assertTextIncludes('Connect Xero first: this list comes from Xero.')
    page.assertTextIncludes('Connect Autotask first: this list comes from Autotask.')
    page.assertTextIncludes('<option value="300" selected>300 (not in the list)</option>')
    assert.lengthOf(await LiveList.query().where('product_id', product.id), 0)
  })

  test('viewers may not refresh a list', async ({ client }) => {
    const { product } = await ownerOfConnectedProduct(sandboxes)
    const viewer = await UserFactory.merge({
      accountId: product.accountId,
      role: 'viewer',
    }).create()
    const response = await client
      .post(`/products/${product.id}/settings/lists/xero_accounts/refresh`)
      .withCsrfToken()
      .loginAs(viewer)
    response.assertStatus(403)
  })
})
