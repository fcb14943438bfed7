import { test } from '@japa/runner'
import router from '@adonisjs/core/services/router'
import { resetDatabase } from '#tests/helpers/database'
import { assertLogged, assertRecordStatus } from '#tests/helpers/assertions'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { PurchaseOrderRecordFactory } from '#database/factories/purchase_order_record_factory'

test.group('Record routes', (group) => {
  group.each.setup(resetDatabase)

  test('each move a person makes on a record has its own named route, at the URL it always had', ({
    assert,
  }) => {
    const params = { product_id: 7, id: 9 }
    const expected = {
      'invoices.resync': '/products/7/invoices/9/resync',
      'invoices.skip': '/products/7/invoices/9/skip',
      'invoices.unskip': '/products/7/invoices/9/unskip',
      'invoices.diagnose': '/products/7/invoices/9/diagnose',
      'invoices.release': '/products/7/invoices/9/release',
      'purchase_orders.resync': '/products/7/purchase-orders/9/resync',
      'purchase_orders.skip': '/products/7/purchase-orders/9/skip',
      'purchase_orders.unskip': '/products/7/purchase-orders/9/unskip',
      'purchase_orders.diagnose': '/products/7/purchase-orders/9/diagnose',
      'purchase_orders.release': '/products/7/purchase-orders/9/release',
    } as const
    for (const [name, url] of Object.entries(expected)) {
      assert.equal(router.makeUrl(name as keyof typeof expected, params), url, name)
    }
  })

  test('a purchase order is skipped and unskipped through its named routes, each move logged with who', async ({
    client,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({
      accountId: owner.accountId,
      name: 'Books',
    }).create()
    const order = await PurchaseOrderRecordFactory.merge({
      productId: product.id,
      status: 'fault',
    }).create()
    const params = { product_id: product.id, id: order.id }

    const skipped = await client
      .post(router.makeUrl('purchase_orders.skip', params))
      .withCsrfToken()
      .loginAs(owner)
      .redirects(0)
    skipped.assertStatus(302)
    skipped.assertHeader('location', router.makeUrl('purchase_orders.show', params))
    await assertRecordStatus(order, 'skipped')

    const unskipped = await client
      .post(router.makeUrl('purchase_orders.unskip', params))
      .withCsrfToken()
      .loginAs(owner)
      .redirects(0)
    unskipped.assertStatus(302)
    await assertRecordStatus(order, 'pending')

    await assertLogged(product.id, 'purchase_order.skipped', [
      `Fault → Skipped Over by ${owner.email}`,
    ])
    await assertLogged(product.id, 'purchase_order.unskipped', [
      `Skipped Over → Pending Sync by ${owner.email}`,
    ])
  })
  test('an owner asking for a diagnostic is refused with why, and the record stays as it was', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({
      accountId: owner.accountId,
      name: 'Books',
    }).create()
    const order = await PurchaseOrderRecordFactory.merge({
      productId: product.id,
      status: 'fault',
    }).create()

    const refused = await client
      .post(router.makeUrl('purchase_orders.diagnose', { product_id: product.id, id: order.id }))
      .withCsrfToken()
      .loginAs(owner)
      .redirects(0)
    refused.assertStatus(403)
    assert.include(refused.text(), 'Staff only')
    await assertRecordStatus(order, 'fault')
    await assertLogged(product.id, 'purchase_order.diagnostic.entered', [])
  })
})
