import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { resetDatabase } from '#tests/helpers/database'
import { logMessages } from '#tests/helpers/assertions'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import Product from '#models/product'

test.group('Sync Now', (group) => {
  group.each.setup(resetDatabase)

  test('on a plan with on-demand sync it asks the engine to run and logs who asked', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId })
      .apply('active')
      .create()
    const page = await client.get(`/products/${product.id}/logs`).loginAs(owner)
    assert.notInclude(page.text(), 'disabled data-testid="sync-now"')

    const response = await client
      .post(`/products/${product.id}/sync`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
    response.assertStatus(200)
    response.assertHeader('hx-trigger', 'logs-changed')
    response.assertTextIncludes('the engine starts at its next check (every 10 seconds)')
    assert.isNotNull((await Product.findOrFail(product.id)).syncRequestedAt)
    assert.lengthOf(await logMessages(product.id, 'sync.requested'), 1)
  })

  test('on a plan without it the button is disabled with the reason, and the server refuses too', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account', 1, (a) => a.apply('starter')).create()
    const product = await ProductFactory.merge({ accountId: owner.accountId })
      .apply('active')
      .create()
    const page = await client.get(`/products/${product.id}/logs`).loginAs(owner)
    page.assertTextIncludes('disabled data-testid="sync-now"')
    page.assertTextIncludes('Sync Now is not part of the Starter plan')

    const response = await client
      .post(`/products/${product.id}/sync`)
      .withCsrfToken()
      .loginAs(owner)
      .header('HX-Request', 'true')
    response.assertStatus(422)
    response.assertTextIncludes('not part of the Starter plan')
    assert.isNull((await Product.findOrFail(product.id)).syncRequestedAt)
  })

  test('a paused product is told to be set Active first', async ({ client }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    const response = await client
      .post(`/products/${product.id}/sync`)
      .withCsrfToken()
      .loginAs(owner)
      .header('HX-Request', 'true')
    response.assertStatus(422)
    response.assertTextIncludes('The product is Paused')
  })

  test('viewers cannot sync', async ({ client }) => {
    const viewer = await UserFactory.with('account').apply('viewer').create()
    const product = await ProductFactory.merge({ accountId: viewer.accountId })
      .apply('active')
      .create()
    const response = await client
      .post(`/products/${product.id}/sync`)
      .withCsrfToken()
      .loginAs(viewer)
    response.assertStatus(403)
  })
})

test.group('Analytics', (group) => {
  group.each.setup(resetDatabase)

  test('charts synced and faulted invoices per day for 30 days', async ({ client, assert }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    const today = DateTime.utc().toISODate()!
    const twoDaysAgo = DateTime.utc().minus({ days: 2 })
    await InvoiceRecordFactory.merge({ productId: product.id }).apply('synced').createMany(3)
    await InvoiceRecordFactory.merge({ productId: product.id })
      .apply('synced')
      .tap((invoice) => (invoice.syncedAt = twoDaysAgo))
      .create()
    await InvoiceRecordFactory.merge({ productId: product.id }).apply('fault').createMany(2)

    const response = await client.get(`/products/${product.id}/analytics`).loginAs(owner)
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, `data-day="${today}" data-synced="3"`)
    assert.include(html, `data-day="${twoDaysAgo.toISODate()}" data-synced="1"`)
    assert.include(html, `<tr><td>${today}</td><td>3</td><td>2</td></tr>`)
    assert.equal(html.match(/data-day=/g)?.length, 30)
  })
})
