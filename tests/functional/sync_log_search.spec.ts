import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { toSqlDateTime } from '#models/columns'
import SyncLogSearchService from '#services/sync_log_search_service'

/** The same search with windows small enough for a test to reach past them (MySQL reads windows; SQLite's FTS5 needs none). */
class SmallWindows extends SyncLogSearchService {
  protected textWindow = 40
  protected unindexedWindow = 100
}

async function ownerWithProduct() {
  const owner = await UserFactory.with('account').create()
  const product = await ProductFactory.merge({ accountId: owner.accountId, name: 'Books' }).create()
  return { owner, product }
}

/** Log lines inserted oldest first, one INSERT per 200; `message(i)` is line i's text (line 0 is the oldest). */
async function seedLines(productId: number, count: number, message: (index: number) => string) {
  const rows = Array.from({ length: count }, (_, index) => ({
    product_id: productId,
    level: 'info',
    event: 'test',
    message: message(index),
    autotask_id: 700_000 + index,
    created_at: toSqlDateTime(),
  }))
  for (let i = 0; i < rows.length; i += 200)
    await db.table('sync_logs').multiInsert(rows.slice(i, i + 200))
}

/** The line numbers ("#n") a page lists, top to bottom. */
function linesOn(html: string) {
  return [...html.matchAll(/<td[^>]*>Line #(\d+)[^<]*<\/td>/g)].map((match) => Number(match[1]))
}

function olderLink(html: string) {
  const tag = html.match(/<a [^>]*data-testid="older-logs"[^>]*>/)?.[0]
  const href = tag?.match(/href="([^"]+)"/)?.[1]
  return href ? href.replaceAll('&amp;', '&') : null
}

test.group('Sync Logs text search', (group) => {
  group.each.setup(resetDatabase)
  group.each.setup(() => {
    app.container.swap(SyncLogSearchService, () => new SmallWindows())
    return () => app.container.restore(SyncLogSearchService)
  })

  test('a word in many lines: the newest 100 first, then the next page, newest first', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    // 450 lines, every third names Harbour Plumbing: 150 matches spread over windows of 40 ids.
    await seedLines(product.id, 450, (i) =>
      i % 3 === 0 ? `Line #${i} for Harbour Plumbing Ltd` : `Line #${i} for Summit Dental`
    )
    const harbour = Array.from({ length: 150 }, (_, k) => 447 - 3 * k)

    const first = await client
      .get(`/products/${product.id}/logs`)
      .qs({ q: 'harbour' })
      .loginAs(owner)
    first.assertStatus(200)
    assert.deepEqual(linesOn(first.text()), harbour.slice(0, 100))
    const next = await client.get(olderLink(first.text())!).loginAs(owner)
    assert.deepEqual(linesOn(next.text()), harbour.slice(100))
    assert.isNull(olderLink(next.text()))
  })

  test('a word only in old lines is found past the newest ones, and each word must begin a word', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await seedLines(product.id, 300, (i) =>
      i === 5
        ? `Line #${i} for Zebedee Harbourside`
        : i === 250
          ? `Line #${i} for Zebedee Plumbing`
          : `Line #${i} for Summit Dental`
    )
    const search = async (q: string) =>
      linesOn((await client.get(`/products/${product.id}/logs`).qs({ q }).loginAs(owner)).text())
    assert.deepEqual(await search('zebedee'), [250, 5])
    assert.deepEqual(await search('ZEBE harbours'), [5], 'prefixes, in any case, every word')
    assert.deepEqual(await search('zebedee plumbing'), [250])
    assert.deepEqual(await search('arbour'), [], 'the middle of a word is no match')
    assert.deepEqual(await search('bedee'), [])
  })

  test('a word is found at the start of a line and after punctuation, never inside a word', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    const messages = [
      'Harbour opened the day',
      'Paid by (harbour) today',
      'Marked by owner@harbour.example',
      'Westharbour Ltd found',
      'Unrelated line',
    ]
    await seedLines(product.id, messages.length, (i) => messages[i])
    const response = await client
      .get(`/products/${product.id}/logs`)
      .qs({ q: 'harb' })
      .loginAs(owner)
    response.assertStatus(200)
    const shown = messages.filter((message) => response.text().includes(message))
    assert.deepEqual(shown, messages.slice(0, 3))
  })

  test('text with an Autotask id or a date range narrows the same search', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await seedLines(product.id, 200, (i) => `Line #${i} for Harbour Plumbing Ltd`)
    const byId = await client
      .get(`/products/${product.id}/logs`)
      .qs({ q: 'harbour', autotaskId: 700_007 })
      .loginAs(owner)
    assert.deepEqual(linesOn(byId.text()), [7])
    const future = await client
      .get(`/products/${product.id}/logs`)
      .qs({ q: 'harbour', from: '2999-01-01' })
      .loginAs(owner)
    assert.deepEqual(linesOn(future.text()), [])
  })

  test('a word too short for the full-text index is still found, through "Older lines" if it is far back', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await seedLines(product.id, 400, (i) =>
      i === 3 ? `Line #${i} with code QX 7` : `Line #${i} for Summit Dental`
    )
    let url: string | null = `/products/${product.id}/logs?q=qx`
    const found: number[] = []
    for (let hops = 0; url && hops < 10; hops++) {
      const response = await client.get(url).loginAs(owner)
      response.assertStatus(200)
      found.push(...linesOn(response.text()))
      url = olderLink(response.text())
    }
    assert.deepEqual(found, [3])
  })
})
