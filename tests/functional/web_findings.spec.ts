import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'

test.group('Web findings of issue 15', (group) => {
  group.each.setup(resetDatabase)

  test('/vendor/ answers 404 for inherited names, signed in or not, and still serves its assets', async ({
    client,
    assert,
  }) => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const response = await client.get(`/vendor/${name}`)
      response.assertStatus(404)
    }
    const htmx = await client.get('/vendor/htmx.min.js')
    htmx.assertStatus(200)
    assert.match(htmx.header('content-type') ?? '', /javascript/)
  })

  test('signed-in pages send Cache-Control: no-store and Referrer-Policy', async ({ client }) => {
    const user = await UserFactory.with('account').create()
    for (const path of ['/', '/users', '/account/two-factor', '/account/password']) {
      const response = await client.get(path).loginAs(user)
      response.assertStatus(200)
      response.assertHeader('cache-control', 'no-store')
      response.assertHeader('referrer-policy', 'same-origin')
    }
  })

  test('a search over 100 characters or a cursor like before=-1 answers 422 with the reason, for htmx too', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: user.accountId }).create()
    const cases: [Record<string, string>, string][] = [
      [{ q: 'x'.repeat(101) }, 'A search can be at most 100 characters long.'],
      [{ before: '-1' }, 'its before must be at least 1'],
      [{ before: 'abc' }, 'its before must be a whole number'],
    ]
    for (const path of ['invoices', 'purchase-orders', 'logs']) {
      for (const [qs, reason] of cases) {
        const grid = await client
          .get(`/products/${product.id}/${path}`)
          .qs(qs)
          .header('HX-Request', 'true')
          .header('HX-Target', 'records-table')
          .loginAs(user)
          .redirects(0)
        grid.assertStatus(422)
        assert.include(grid.text(), 'data-testid="invalid-query"', `${path} ${JSON.stringify(qs)}`)
        assert.include(grid.text(), reason)
        assert.notInclude(grid.text(), '<html')

        const page = await client
          .get(`/products/${product.id}/${path}`)
          .qs(qs)
          .loginAs(user)
          .redirects(0)
        page.assertStatus(422)
        assert.include(page.text(), 'This search cannot be run')
      }
    }
  })
})
