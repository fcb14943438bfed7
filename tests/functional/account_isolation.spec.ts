import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import Product from '#models/product'
import SyncLog from '#models/sync_log'

async function twoAccounts() {
  const alice = await UserFactory.with('account').create()
  const bob = await UserFactory.with('account').create()
  const aliceProduct = await ProductFactory.merge({
    accountId: alice.accountId,
    name: 'Alice Books',
  }).create()
  return { alice, bob, aliceProduct }
}

test.group('Account isolation', (group) => {
  group.each.setup(resetDatabase)

  test("another account's product is a 404 by URL", async ({ client, assert }) => {
    const { alice, bob, aliceProduct } = await twoAccounts()
    const own = await client.get(`/products/${aliceProduct.id}`).loginAs(alice)
    own.assertStatus(200)
    own.assertTextIncludes('Alice Books')

    const foreign = await client.get(`/products/${aliceProduct.id}`).loginAs(bob)
    foreign.assertStatus(404)
    foreign.assertTextIncludes('Page not found')
    assert.notInclude(foreign.text(), 'Alice Books')
  })

  test("another account's product is a 404 by form post, and nothing changes", async ({
    client,
    assert,
  }) => {
    const { bob, aliceProduct } = await twoAccounts()
    const response = await client
      .put(`/products/${aliceProduct.id}/status`)
      .withCsrfToken()
      .loginAs(bob)
      .form({ status: 'active' })
    response.assertStatus(404)
    const reloaded = await Product.findOrFail(aliceProduct.id)
    assert.equal(reloaded.status, 'paused')
    assert.lengthOf(await SyncLog.query().where('product_id', aliceProduct.id), 0)
  })

  test("the dashboard lists only the signed-in account's products", async ({ client, assert }) => {
    const { bob } = await twoAccounts()
    await ProductFactory.merge({ accountId: bob.accountId, name: 'Bob Ledger' }).create()
    const response = await client.get('/').loginAs(bob)
    response.assertStatus(200)
    response.assertTextIncludes('Bob Ledger')
    assert.notInclude(response.text(), 'Alice Books')
  })
})

test.group('Staff', (group) => {
  group.each.setup(resetDatabase)

  test('staff pages are a 404 for everyone else', async ({ client }) => {
    const owner = await UserFactory.with('account').create()
    const response = await client.get('/staff/accounts').loginAs(owner)
    response.assertStatus(404)
  })

  test('staff switch into any account, see its products, and switch back', async ({
    client,
    assert,
  }) => {
    const { alice, aliceProduct } = await twoAccounts()
    const staff = await UserFactory.with('account').apply('staff').create()

    const list = await client.get('/staff/accounts').loginAs(staff)
    list.assertStatus(200)

    const switched = await client
      .post(`/staff/accounts/${alice.accountId}/switch`)
      .withCsrfToken()
      .loginAs(staff)
      .redirects(0)
    switched.assertStatus(302)
    switched.assertSession('actingAccountId', alice.accountId)

    const dashboard = await client
      .get('/')
      .loginAs(staff)
      .withSession({ actingAccountId: alice.accountId })
    dashboard.assertTextIncludes('Alice Books')
    dashboard.assertTextIncludes('staff view')

    const product = await client
      .get(`/products/${aliceProduct.id}`)
      .loginAs(staff)
      .withSession({ actingAccountId: alice.accountId })
    product.assertStatus(200)

    const own = await client.get('/').loginAs(staff)
    assert.notInclude(own.text(), 'Alice Books')
  })

  test('a non-staff user cannot act in another account through a forged session value', async ({
    client,
  }) => {
    const { bob, aliceProduct } = await twoAccounts()
    const response = await client
      .get(`/products/${aliceProduct.id}`)
      .loginAs(bob)
      .withSession({ actingAccountId: aliceProduct.accountId })
    response.assertStatus(404)
  })
})
