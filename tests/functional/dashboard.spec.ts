import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { assertLogged, assertRecordStatus, logMessages } from '#tests/helpers/assertions'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import Product from '#models/product'

test.group('Dashboard', (group) => {
  group.each.setup(resetDatabase)

  test('an account without products sees the empty state and the way to add one', async ({
    client,
  }) => {
    const owner = await UserFactory.with('account').create()
    const response = await client.get('/').loginAs(owner)
    response.assertStatus(200)
    response.assertTextIncludes('No products yet')
    response.assertTextIncludes('Add a New Product')
  })

  test('each product is a card with its status, its faults and invoices synced this month', async ({
    client,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId, name: 'Main Books' })
      .apply('active')
      .create()
    await InvoiceRecordFactory.merge({ productId: product.id }).apply('fault').createMany(3)
    await InvoiceRecordFactory.merge({ productId: product.id }).apply('synced').createMany(2)
    await InvoiceRecordFactory.merge({ productId: product.id }).createMany(4)

    const response = await client.get('/').loginAs(owner)
    response.assertStatus(200)
    response.assertTextIncludes('Main Books')
    response.assertTextIncludes('Active')
    response.assertTextIncludes('3 sync issues')
    response.assertTextIncludes(`/products/${product.id}/invoices?status=fault`)
    response.assertTextIncludes('Invoices synced this month: <strong>2</strong>')
  })

  test('the status toggle through htmx returns only the updated card and logs who did it', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    const response = await client
      .put(`/products/${product.id}/status`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
      .form({ status: 'active' })
    response.assertStatus(200)
    response.assertHeader('vary', 'HX-Request')
    response.assertTextIncludes(`id="product-${product.id}"`)
    response.assertTextIncludes('Active')
    assert.notInclude(response.text(), '<html')
    await assertRecordStatus(product, 'active')
    await assertLogged(product.id, 'product.resumed', [
      `Status changed from Paused to Active by ${owner.email}`,
    ])
  })

  test('a viewer sees the card but is refused the toggle', async ({ client, assert }) => {
    const viewer = await UserFactory.with('account').apply('viewer').create()
    const product = await ProductFactory.merge({ accountId: viewer.accountId }).create()
    const page = await client.get('/').loginAs(viewer)
    page.assertTextIncludes(product.name)
    assert.notInclude(page.text(), 'data-testid="status-toggle"')

    const response = await client
      .put(`/products/${product.id}/status`)
      .withCsrfToken()
      .loginAs(viewer)
      .form({ status: 'active' })
    response.assertStatus(403)
    await assertRecordStatus(product, 'paused')
  })

  test('an unknown status value is a validation error and changes nothing', async ({ client }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    const response = await client
      .put(`/products/${product.id}/status`)
      .withCsrfToken()
      .loginAs(owner)
      .header('referer', '/')
      .form({ status: 'running' })
      .redirects(0)
    response.assertStatus(302)
    await assertRecordStatus(product, 'paused')
  })
})

test.group('Adding a product', (group) => {
  group.each.setup(resetDatabase)

  test('creates it Paused and logs it', async ({ client, assert }) => {
    const owner = await UserFactory.with('account').create()
    const response = await client
      .post('/products')
      .withCsrfToken()
      .loginAs(owner)
      .form({ name: 'NZ Books' })
      .redirects(0)
    response.assertStatus(302)
    const product = await Product.query().where('account_id', owner.accountId).firstOrFail()
    assert.equal(product.name, 'NZ Books')
    assert.equal(product.status, 'paused')
    assert.lengthOf(await logMessages(product.id, 'product.created'), 1)
  })

  test("beyond the plan's product count it says so and creates nothing", async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account', 1, (a) => a.apply('starter')).create()
    await ProductFactory.merge({ accountId: owner.accountId }).create()
    const response = await client
      .post('/products')
      .withCsrfToken()
      .loginAs(owner)
      .form({ name: 'Second' })
    response.assertStatus(422)
    response.assertTextIncludes('Starter plan allows 1 product(s)')
    assert.lengthOf(await Product.query().where('account_id', owner.accountId), 1)
  })

  test('a too-short name through htmx re-renders the form with the error', async ({ client }) => {
    const owner = await UserFactory.with('account').create()
    const response = await client
      .post('/products')
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
      .form({ name: 'x' })
    response.assertStatus(422)
    response.assertTextIncludes('id="name-error"')
  })
})

test.group('Error pages', () => {
  test('an unknown page is a 404 page', async ({ client }) => {
    const response = await client.get('/no/such/page')
    response.assertStatus(404)
    response.assertTextIncludes('Page not found')
  })

  test('vendor assets are served from npm packages, unknown ones are a 404', async ({
    client,
    assert,
  }) => {
    const htmx = await client.get('/vendor/htmx.min.js')
    htmx.assertStatus(200)
    assert.include(htmx.header('content-type'), 'javascript')
    assert.include(htmx.text(), 'htmx')
    const unknown = await client.get('/vendor/evil.js')
    unknown.assertStatus(404)
  })
})
