import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import Account from '#models/account'

async function ownerWithProduct() {
  const owner = await UserFactory.with('account').create()
  const product = await ProductFactory.merge({ accountId: owner.accountId, name: 'Books' }).create()
  return { owner, product }
}

/** The href of a link found by its data-testid, entities decoded. */
function hrefOf(html: string, testid: string) {
  const tag = new RegExp(`<a[^>]*data-testid="${testid}"[^>]*>`).exec(html)?.[0]
  const href = tag && /href="([^"]*)"/.exec(tag)?.[1]
  return href ? href.replaceAll('&amp;', '&') : null
}

test.group('Record pages: exports follow the screen', (group) => {
  group.each.setup(resetDatabase)

  test('the fragment a search swaps in carries export links with that search and status, and they export those rows', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    for (let index = 0; index < 12; index++) {
      await InvoiceRecordFactory.merge({
        productId: product.id,
        invoiceNumber: index < 3 ? `1011-${index}` : `2000-${index}`,
      })
        .apply(index % 2 === 0 ? 'fault' : 'synced')
        .create()
    }

    const fragment = await client
      .get(`/products/${product.id}/invoices`)
      .qs({ q: '1011', status: 'fault' })
      .header('HX-Request', 'true')
      .header('HX-Target', 'records-table')
      .loginAs(owner)
    fragment.assertStatus(200)
    assert.notInclude(fragment.text(), '<html')
    for (const testid of ['export-csv', 'export-xlsx']) {
      const href = hrefOf(fragment.text(), testid)
      assert.isNotNull(href, `${testid} is in the swapped fragment`)
      const url = new URL(href!, 'http://app')
      assert.equal(url.searchParams.get('q'), '1011')
      assert.equal(url.searchParams.get('status'), 'fault')
    }

    const csv = await client.get(hrefOf(fragment.text(), 'export-csv')!).loginAs(owner)
    csv.assertStatus(200)
    const rows = csv
      .text()
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .slice(1)
    // 1011-0 and 1011-2 are faults; 1011-1 is synced; the nine 2000-… are outside the search.
    assert.sameMembers(
      rows.map((line) => line.split(',')[1]),
      ['1011-0', '1011-2']
    )

    // The grid without a search: its export links carry no filter.
    const all = await client
      .get(`/products/${product.id}/invoices`)
      .header('HX-Request', 'true')
      .header('HX-Target', 'records-table')
      .loginAs(owner)
    const href = new URL(hrefOf(all.text(), 'export-csv')!, 'http://app')
    assert.isNull(href.searchParams.get('q'))
  })
})

test.group('Record pages: small things', (group) => {
  group.each.setup(resetDatabase)

  test('on a plan without purchase orders the Purchase Orders tab says so', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await Account.query().where('id', owner.accountId).update({ plan: 'starter' })
    const response = await client.get(`/products/${product.id}/purchase-orders`).loginAs(owner)
    response.assertStatus(200)
    assert.include(response.text(), 'Purchase orders are not part of the Starter plan')
    assert.notInclude(response.text(), 'appear here once the product is Active')

    await Account.query().where('id', owner.accountId).update({ plan: 'professional' })
    const withPlan = await client.get(`/products/${product.id}/purchase-orders`).loginAs(owner)
    assert.include(withPlan.text(), 'appear here once the product is Active')
  })

  test('the Sync Logs date boxes have visible From and To labels', async ({ client, assert }) => {
    const { owner, product } = await ownerWithProduct()
    const response = await client.get(`/products/${product.id}/logs`).loginAs(owner)
    response.assertStatus(200)
    for (const name of ['from', 'to']) {
      const id = new RegExp(`<input[^>]*id="([^"]+)"[^>]*name="${name}"`).exec(response.text())?.[1]
      assert.exists(id, `the ${name} box has an id`)
      const label = new RegExp(`<label[^>]*for="${id}"[^>]*>([^<]+)</label>`).exec(response.text())
      assert.equal(label?.[1].trim(), name === 'from' ? 'From' : 'To')
    }
  })

  test('the favicon is served and every page names it', async ({ client, assert }) => {
    const icon = await client.get('/favicon.ico')
    icon.assertStatus(200)
    assert.match(icon.header('content-type') ?? '', /image\//)
    const svg = await client.get('/favicon.svg')
    svg.assertStatus(200)
    assert.match(svg.header('content-type') ?? '', /image\/svg\+xml/)
    const login = await client.get('/login')
    assert.match(login.text(), /<link rel="icon" href="\/favicon.svg"/)
  })
})

test.group('Record pages: the web resync answer', (group) => {
  group.each.setup(resetDatabase)

  test('says it updates the Xero invoice it already made only when there is one', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    const never = await InvoiceRecordFactory.merge({ productId: product.id })
      .apply('fault')
      .create()
    const made = await InvoiceRecordFactory.merge({
      productId: product.id,
      xeroInvoiceNumber: 'INV-0042',
    })
      .apply('synced')
      .create()

    const first = await client
      .post(`/products/${product.id}/invoices/${never.id}/resync`)
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(owner)
    first.assertStatus(200)
    assert.include(first.text(), 'Pending Sync again')
    assert.include(first.text(), 'never reached Xero')
    assert.notInclude(first.text(), 'already made')

    const second = await client
      .post(`/products/${product.id}/invoices/${made.id}/resync`)
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(owner)
    second.assertStatus(200)
    assert.include(second.text(), 'updates the Xero invoice it already made (INV-0042)')
  })
})
