import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { assertLogged, assertRecordStatus, logMessages } from '#tests/helpers/assertions'
import {
  productWithSandboxInvoice,
  useAutotaskSandbox,
  type AutotaskWorld,
} from '#tests/helpers/autotask_world'
import { knob } from '#tests/contract/helpers/autotask_sandbox'
import { AUTOTASK_SANDBOX_USER } from '#sandbox/autotask/index'
import { UserFactory } from '#database/factories/user_factory'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import { COPY_CSP } from '#controllers/invoice_originals_controller'

const urls = (productId: number, invoiceId: number) => ({
  view: `/products/${productId}/invoices/${invoiceId}/originals`,
  copy: `/products/${productId}/invoices/${invoiceId}/originals/autotask`,
  frame: `/products/${productId}/invoices/${invoiceId}/original`,
})

async function storedCopy(invoiceId: number) {
  return (await InvoiceRecord.findOrFail(invoiceId)).autotaskHtml
}

test.group('View originals: Autotask copy fetched on first view', (group) => {
  let world: AutotaskWorld
  group.each.setup(async () => {
    await resetDatabase()
    world = await useAutotaskSandbox()
    return () => world.close()
  })

  test('the first view fetches the copy with one Autotask call and stores it; the next view calls nothing', async ({
    client,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world)
    const url = urls(product.id, invoice.id)

    // The view itself renders at once: a slot that loads the copy, and no call to Autotask yet.
    const view = await client.get(url.view).header('HX-Request', 'true').loginAs(user)
    view.assertStatus(200)
    assert.notInclude(view.text(), '<html')
    assert.include(view.text(), `hx-post="${url.copy}"`)
    assert.include(view.text(), "Fetching Autotask's copy of this invoice")
    assert.lengthOf(await world.requests(), 0)

    const slot = await client
      .post(url.copy)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(user)
    slot.assertStatus(200)
    assert.notInclude(slot.text(), '<html')
    assert.match(slot.text(), new RegExp(`<iframe[^>]*sandbox=""[^>]*src="${url.frame}"`))
    const markup = await world.markupRequests(invoice.autotaskId)
    assert.lengthOf(markup, 1)
    assert.equal(markup[0].status, 200)
    assert.lengthOf(await world.markupRequests(), 1)
    assert.equal(
      world.sandbox.state.stats().usage.count,
      1,
      'one request of the hourly budget spent'
    )
    assert.include(await storedCopy(invoice.id), `Tax Invoice ${invoice.invoiceNumber}`)
    await assertLogged(product.id, 'invoice.copy_fetched', [
      `Autotask's copy of invoice ${invoice.invoiceNumber} fetched on its first view and stored`,
    ])

    const frame = await client.get(url.frame).loginAs(user)
    frame.assertStatus(200)
    frame.assertHeader('content-security-policy', COPY_CSP)
    frame.assertTextIncludes(`Tax Invoice ${invoice.invoiceNumber}`)

    // Later views: the stored copy, straight into the view, and not one request to Autotask.
    const before = await world.requests()
    const again = await client.get(url.view).header('HX-Request', 'true').loginAs(user)
    again.assertStatus(200)
    assert.notInclude(again.text(), `hx-post="${url.copy}"`)
    assert.include(again.text(), `src="${url.frame}"`)
    const slotAgain = await client
      .post(url.copy)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(user)
    assert.include(slotAgain.text(), `src="${url.frame}"`)
    assert.deepEqual(await world.requests(), before)
    assert.lengthOf(await logMessages(product.id, 'invoice.copy_fetched'), 1)
  })

  test('two people opening the same invoice at once still cost one Autotask call', async ({
    client,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world)
    const viewer = await UserFactory.merge({ accountId: user.accountId, role: 'viewer' }).create()
    world.sandbox.state.setLatency(400, 'Invoices')
    const url = urls(product.id, invoice.id)
    const [first, second] = await Promise.all([
      client.post(url.copy).withCsrfToken().header('HX-Request', 'true').loginAs(user),
      client.post(url.copy).withCsrfToken().header('HX-Request', 'true').loginAs(viewer),
    ])
    for (const response of [first, second]) {
      response.assertStatus(200)
      assert.include(response.text(), `src="${url.frame}"`)
    }
    assert.lengthOf(await world.markupRequests(invoice.autotaskId), 1)
    assert.lengthOf(await logMessages(product.id, 'invoice.copy_fetched'), 1)
  })

  test('when Autotask fails the slot says why, stores nothing, leaks no secret, and the next view tries again', async ({
    client,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world)
    const url = urls(product.id, invoice.id)
    await knob(world.sandbox, 'POST', '/faults', {
      kind: 'error',
      entity: 'Invoices',
      status: 500,
      count: 1,
    })

    const failed = await client
      .post(url.copy)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(user)
    failed.assertStatus(200)
    assert.include(failed.text(), 'data-testid="autotask-copy-error"')
    assert.include(failed.text(), 'Autotask did not answer')
    assert.include(failed.text(), 'Try again')
    assert.notInclude(failed.text(), '<iframe')
    for (const secret of [AUTOTASK_SANDBOX_USER.secret, AUTOTASK_SANDBOX_USER.integrationCode]) {
      assert.notInclude(failed.text(), secret)
      assert.notInclude((await logMessages(product.id, 'invoice.copy_failed')).join('\n'), secret)
    }
    assert.isNull(await storedCopy(invoice.id))
    assert.lengthOf(await logMessages(product.id, 'invoice.copy_failed'), 1)
    await assertRecordStatus(invoice, invoice.status, 'the record itself is untouched')

    // The next view asks Autotask again, and this time the copy arrives.
    const view = await client.get(url.view).header('HX-Request', 'true').loginAs(user)
    assert.include(view.text(), `hx-post="${url.copy}"`)
    const retried = await client
      .post(url.copy)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(user)
    assert.include(retried.text(), `src="${url.frame}"`)
    assert.lengthOf(await world.markupRequests(invoice.autotaskId), 2)
    assert.include(await storedCopy(invoice.id), `Tax Invoice ${invoice.invoiceNumber}`)
  })

  test('an invoice Autotask no longer has: the slot says so and nothing is stored', async ({
    client,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world)
    await knob(world.sandbox, 'DELETE', `/invoices/${invoice.autotaskId}`)
    const response = await client
      .post(urls(product.id, invoice.id).copy)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(user)
    response.assertStatus(200)
    assert.include(response.text(), `Autotask has no invoice ${invoice.autotaskId}`)
    assert.lengthOf(await world.markupRequests(invoice.autotaskId), 1)
    assert.isNull(await storedCopy(invoice.id))
  })

  test('Autotask unreachable: the slot says so and nothing is stored', async ({
    client,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world)
    // The stored zone points at a port where nothing listens.
    await Product.query()
      .where('id', product.id)
      .update({ autotask_zone_url: 'http://127.0.0.1:9/atservicesrest/' })
    const response = await client
      .post(urls(product.id, invoice.id).copy)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(user)
    response.assertStatus(200)
    assert.include(response.text(), 'Autotask did not answer')
    assert.isNull(await storedCopy(invoice.id))
  })

  test('a product without an Autotask connection: the slot says how to connect it and Autotask is not called', async ({
    client,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world)
    await Product.query()
      .where('id', product.id)
      .update({ autotask_username: null, autotask_secret: null, autotask_integration_code: null })
    const response = await client
      .post(urls(product.id, invoice.id).copy)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(user)
    response.assertStatus(200)
    assert.include(response.text(), 'This product has no Autotask connection')
    assert.include(response.text(), 'Settings › Autotask credentials')
    assert.lengthOf(await world.requests(), 0)
    assert.isNull(await storedCopy(invoice.id))
  })

  test('a viewer can open the originals, and their first view fetches the copy', async ({
    client,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world, 'viewer')
    const url = urls(product.id, invoice.id)
    ;(await client.get(url.view).header('HX-Request', 'true').loginAs(user)).assertStatus(200)
    const slot = await client
      .post(url.copy)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(user)
    slot.assertStatus(200)
    assert.include(slot.text(), `src="${url.frame}"`)
    ;(await client.get(url.frame).loginAs(user)).assertTextIncludes(
      `Tax Invoice ${invoice.invoiceNumber}`
    )
    assert.lengthOf(await world.markupRequests(invoice.autotaskId), 1)
  })

  test("another account's invoice is a 404 for the view, the copy and the frame, and Autotask is not called", async ({
    client,
    assert,
  }) => {
    const { product, invoice } = await productWithSandboxInvoice(world)
    const stranger = await UserFactory.with('account').create()
    const url = urls(product.id, invoice.id)
    for (const path of [url.view, url.frame]) {
      const response = await client.get(path).header('HX-Request', 'true').loginAs(stranger)
      response.assertStatus(404)
    }
    const copy = await client
      .post(url.copy)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(stranger)
    copy.assertStatus(404)
    assert.lengthOf(await world.requests(), 0)
    assert.isNull(await storedCopy(invoice.id))
  })

  test('fetching the copy is a POST: a GET (a prefetch, a crawler) calls nothing and stores nothing', async ({
    client,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world)
    const url = urls(product.id, invoice.id)
    const response = await client.get(url.copy).header('HX-Request', 'true').loginAs(user)
    response.assertStatus(404)
    assert.lengthOf(await world.requests(), 0)
    assert.isNull(await storedCopy(invoice.id))
  })

  test('without JavaScript the copy link renders the whole originals page with the copy', async ({
    client,
    assert,
  }) => {
    const { user, product, invoice } = await productWithSandboxInvoice(world)
    const url = urls(product.id, invoice.id)
    const page = await client.get(url.view).loginAs(user)
    page.assertStatus(200)
    assert.include(page.text(), '<html')
    assert.include(page.text(), `<noscript><form method="POST" action="${url.copy}">`)
    const withCopy = await client.post(url.copy).withCsrfToken().loginAs(user)
    withCopy.assertStatus(200)
    assert.include(withCopy.text(), '<html')
    assert.include(withCopy.text(), `src="${url.frame}"`)
    assert.include(withCopy.text(), 'Originals of invoice')
  })
})
