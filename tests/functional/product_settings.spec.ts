import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { logMessages } from '#tests/helpers/assertions'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import Product from '#models/product'

const validForm = {
  invoiceStatus: 'AUTHORISED',
  numbering: 'prefix',
  numberPrefix: 'AT-',
  dueDateSource: 'autotask',
  daysBack: '45',
  referenceFromPoNumber: '1',
  skipZeroTotal: '1',
  createContacts: '1',
  maxTransientAttempts: '6',
  roundingTolerance: '0.05',
  slackChannel: '#billing-alerts',
  purchaseOrderDocumentType: 'BILL',
  purchaseOrderTriggerStatus: '2',
  purchaseOrdersEnabled: '1',
  creditNoteAllocation: 'oldest_open',
  creditNotes: '1',
}

test.group('Product settings', (group) => {
  group.each.setup(resetDatabase)

  test('the page shows the current settings, defaults included', async ({ client, assert }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    const response = await client.get(`/products/${product.id}/settings`).loginAs(owner)
    response.assertStatus(200)
    response.assertTextIncludes('<option value="DRAFT" selected>Draft</option>')
    response.assertTextIncludes('name="daysBack" type="number" value="30"')
    assert.isTrue(product.effectiveSettings.paymentsToAutotask)
    assert.match(response.text(), /name="paymentsToAutotask"[^>]*checked/)
    assert.match(response.text(), /name="voidsToXero"[^>]*checked/)
  })

  test('credit notes are on for a product that never chose, also one saved before the option existed; an explicit off stays off', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    // Settings stored before credit notes were a setting: no creditNotes key at all.
    const older = await ProductFactory.merge({
      accountId: owner.accountId,
      settings: { invoiceStatus: 'AUTHORISED', daysBack: 60 },
    }).create()
    assert.isTrue((await Product.findOrFail(older.id)).effectiveSettings.creditNotes)
    const page = await client.get(`/products/${older.id}/settings`).loginAs(owner)
    page.assertStatus(200)
    assert.match(page.text(), /name="creditNotes"[^>]*checked/)

    // A person unticks it: off, and it stays off whatever the default says.
    const unticked: Record<string, string> = { ...validForm }
    delete unticked.creditNotes
    const saved = await client
      .put(`/products/${older.id}/settings`)
      .withCsrfToken()
      .loginAs(owner)
      .form(unticked)
      .redirects(0)
    saved.assertStatus(302)
    const product = await Product.findOrFail(older.id)
    assert.isFalse(product.settings?.creditNotes, 'stored as an explicit false')
    assert.isFalse(product.effectiveSettings.creditNotes)
    const again = await client.get(`/products/${older.id}/settings`).loginAs(owner)
    assert.notMatch(again.text(), /name="creditNotes"[^>]*checked/)
    assert.include((await logMessages(older.id, 'settings.changed'))[0], 'creditNotes')
  })

  test('saving stores every option, unticked boxes as false, and logs what changed', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    const response = await client
      .put(`/products/${product.id}/settings`)
      .withCsrfToken()
      .loginAs(owner)
      .form(validForm)
      .redirects(0)
    response.assertStatus(302)
    const settings = (await Product.findOrFail(product.id)).effectiveSettings
    assert.equal(settings.invoiceStatus, 'AUTHORISED')
    assert.equal(settings.numberPrefix, 'AT-')
    assert.equal(settings.daysBack, 45)
    assert.deepEqual(settings.skipCompanyIds, [])
    assert.isFalse(settings.matchContactsByName)
    assert.isFalse(settings.roundingLine.enabled)
    assert.isFalse(settings.paymentsToAutotask, 'payments back to Autotask can be switched off')
    assert.isFalse(settings.voidsToXero, 'voids can leave Xero untouched')
    assert.equal(settings.creditNoteAllocation, 'oldest_open')
    assert.isTrue(settings.creditNotes)
    assert.deepEqual(settings.purchaseOrders, {
      enabled: true,
      documentType: 'BILL',
      triggerStatus: 2,
      accountCode: '300',
      taxType: 'INPUT2',
    })
    assert.equal(settings.slackChannel, '#billing-alerts')
    const [line] = await logMessages(product.id, 'settings.changed')
    assert.include(line, `Settings changed by ${owner.email}:`)
    assert.include(line, 'invoiceStatus')
  })

  test('bad values re-render through htmx with 422 and the field errors, saving nothing', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    const response = await client
      .put(`/products/${product.id}/settings`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
      .form({ ...validForm, daysBack: '365', numberPrefix: '', slackChannel: 'not a channel' })
    response.assertStatus(422)
    response.assertTextIncludes('id="daysBack-error"')
    response.assertTextIncludes('id="numberPrefix-error"')
    response.assertTextIncludes('id="slackChannel-error"')
    response.assertTextIncludes('value="365"')
    assert.isNull((await Product.findOrFail(product.id)).settings)
  })

  test('purchase orders stay off on a plan without them', async ({ client, assert }) => {
    const owner = await UserFactory.with('account', 1, (a) => a.apply('starter')).create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    await client
      .put(`/products/${product.id}/settings`)
      .withCsrfToken()
      .loginAs(owner)
      .form(validForm)
    assert.isFalse((await Product.findOrFail(product.id)).effectiveSettings.purchaseOrders.enabled)
  })

  test('viewers see the settings but cannot save them', async ({ client, assert }) => {
    const viewer = await UserFactory.with('account').apply('viewer').create()
    const product = await ProductFactory.merge({ accountId: viewer.accountId }).create()
    const page = await client.get(`/products/${product.id}/settings`).loginAs(viewer)
    page.assertStatus(200)
    assert.notInclude(page.text(), 'data-testid="save-settings"')
    const response = await client
      .put(`/products/${product.id}/settings`)
      .withCsrfToken()
      .loginAs(viewer)
      .form(validForm)
    response.assertStatus(403)
    assert.isNull((await Product.findOrFail(product.id)).settings)
  })
})
