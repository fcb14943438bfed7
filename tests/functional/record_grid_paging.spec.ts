import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { toSqlDateTime } from '#models/columns'
import type { RecordStatus } from '#enums/record_status'

interface Seed {
  number?: string
  company?: string
  autotaskId?: number
  xeroNumber?: string | null
  status?: RecordStatus
}

async function ownerWithProduct() {
  const owner = await UserFactory.with('account').create()
  const product = await ProductFactory.merge({ accountId: owner.accountId, name: 'Books' }).create()
  return { owner, product }
}

/** Invoices inserted oldest first (ids grow with them, as the engine finds them), 500 rows per INSERT. */
async function seedInvoices(
  productId: number,
  count: number,
  make: (index: number) => Seed = () => ({})
) {
  const rows = Array.from({ length: count }, (_, index) => {
    const seed = make(index)
    return {
      product_id: productId,
      autotask_id: seed.autotaskId ?? 500_000 + index,
      invoice_number: seed.number ?? `N-${index}`,
      company_name: seed.company ?? 'Bulk Co',
      invoice_date: '2026-11-01',
      subtotal: '100.0000',
      tax_total: '15.0000',
      total: '115.0000',
      currency: 'NZD',
      status: seed.status ?? 'synced',
      xero_invoice_number: seed.xeroNumber ?? null,
      attempts: 0,
      created_at: toSqlDateTime(),
      updated_at: toSqlDateTime(),
    }
  })
  for (let i = 0; i < rows.length; i += 500)
    await db.table('invoice_records').multiInsert(rows.slice(i, i + 500))
}

/** The invoice numbers a grid page lists, top to bottom. */
function numbersOn(html: string) {
  return [...html.matchAll(/<tr data-testid="record-row">\s*<td[^>]*>([^<]+?) <span/g)].map(
    (match) => match[1].trim()
  )
}

/** The href of a pager link ("newer-page" or "older-page"), unescaped, or null. */
function pagerLink(html: string, testid: string) {
  const link = html.match(new RegExp(`<a [^>]*href="([^"]+)"[^>]*data-testid="${testid}"`))
  return link ? link[1].replaceAll('&amp;', '&') : null
}

test.group('Invoices tab: paging by id', (group) => {
  group.each.setup(resetDatabase)

  test('pages newest first, 50 at a time, with Older and Newer links that carry the cursor, search and status', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    // 130 faults among other statuses; the pages must walk the faults only, in order.
    await seedInvoices(product.id, 260, (index) => ({
      status: index % 2 === 0 ? 'fault' : 'synced',
    }))
    const faults = Array.from({ length: 130 }, (_, k) => `N-${2 * k}`).reverse()

    const get = async (url: string) => {
      const response = await client.get(url).loginAs(owner)
      response.assertStatus(200)
      return response.text()
    }
    const first = await get(`/products/${product.id}/invoices?status=fault`)
    assert.deepEqual(numbersOn(first), faults.slice(0, 50))
    assert.isNull(pagerLink(first, 'newer-page'))
    assert.notInclude(first, ' in all')

    const secondUrl = pagerLink(first, 'older-page')!
    assert.match(secondUrl, /[?&]status=fault(&|$)/)
    assert.match(secondUrl, /[?&]before=\d+/)
    const second = await get(secondUrl)
    assert.deepEqual(numbersOn(second), faults.slice(50, 100))

    const third = await get(pagerLink(second, 'older-page')!)
    assert.deepEqual(numbersOn(third), faults.slice(100, 130))
    assert.isNull(pagerLink(third, 'older-page'))

    // Back from the last page: the 50 just newer than it, which is the second page again.
    const backUrl = pagerLink(third, 'newer-page')!
    assert.match(backUrl, /[?&]after=\d+/)
    const back = await get(backUrl)
    assert.deepEqual(numbersOn(back), faults.slice(50, 100))
    const top = await get(pagerLink(back, 'newer-page')!)
    assert.deepEqual(numbersOn(top), faults.slice(0, 50))
    assert.isNull(pagerLink(top, 'newer-page'))
  })

  test('a search that fills its page from the newest invoices reads the database in four statements', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await seedInvoices(product.id, 1500, (index) => ({
      company: index % 3 === 0 ? 'Harbour Plumbing Ltd' : 'Summit Dental',
    }))
    const statements: string[] = []
    const listen = (query: { sql: string }) => statements.push(query.sql)
    const knexClient = db.connection().knexQuery().client
    knexClient.on('query', listen)
    const response = await client
      .get(`/products/${product.id}/invoices`)
      .qs({ q: 'harbour' })
      .loginAs(owner)
      .finally(() => knexClient.off('query', listen))
    response.assertStatus(200)
    assert.lengthOf(numbersOn(response.text()), 50)
    // The user with their account, the product, the company names, the newest window: no bounds query, no
    // separate account query (sessions are in memory here).
    assert.lengthOf(statements, 4, statements.join('\n'))
    assert.match(statements[0], /join .accounts./i)
    assert.match(statements[3], /select max\(id\)/i)
  })

  test('a page reached by htmx is the grid fragment, and its links keep the search', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await seedInvoices(product.id, 120, (index) => ({
      company: index % 3 === 0 ? 'Harbour Plumbing Ltd' : 'Summit Dental',
    }))
    const response = await client
      .get(`/products/${product.id}/invoices`)
      .qs({ q: 'harbour' })
      .header('HX-Request', 'true')
      .header('HX-Target', 'records-table')
      .loginAs(owner)
    response.assertStatus(200)
    assert.notInclude(response.text(), '<html')
    assert.lengthOf(numbersOn(response.text()), 40)
    assert.isNull(pagerLink(response.text(), 'older-page'))
    // Each row links to its own status dialog and originals.
    const [{ id: newest }] = await db
      .from('invoice_records')
      .where('product_id', product.id)
      .where('company_name', 'Harbour Plumbing Ltd')
      .max('id as id')
    assert.include(response.text(), `href="/products/${product.id}/invoices/${newest}"`)
    assert.include(response.text(), `hx-get="/products/${product.id}/invoices/${newest}/originals"`)

    const many = await client
      .get(`/products/${product.id}/invoices`)
      .qs({ q: 'summit' })
      .loginAs(owner)
    const older = pagerLink(many.text(), 'older-page')!
    assert.match(older, /[?&]q=summit(&|$)/)
    assert.include(many.text(), `hx-get="${older.replaceAll('&', '&amp;')}"`)
    const next = await client.get(older).loginAs(owner)
    assert.lengthOf(numbersOn(next.text()), 30)
  })

  test('a cursor past either end shows an empty page that links back', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await seedInvoices(product.id, 3)
    const [{ id: oldest }] = await db
      .from('invoice_records')
      .where('product_id', product.id)
      .min('id as id')
    const beyond = await client
      .get(`/products/${product.id}/invoices`)
      .qs({ before: oldest })
      .loginAs(owner)
    beyond.assertStatus(200)
    beyond.assertTextIncludes('data-testid="no-records"')
    const back = pagerLink(beyond.text(), 'newer-page')!
    assert.deepEqual(numbersOn((await client.get(back).loginAs(owner)).text()), [
      'N-2',
      'N-1',
      'N-0',
    ])
  })
})

test.group('Invoices tab: search', (group) => {
  group.each.setup(resetDatabase)

  test('matches the invoice number and the Xero number by prefix, the Autotask id exactly, and words of the company', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    await seedInvoices(
      product.id,
      4,
      (index) =>
        [
          { number: 'INV-100', company: 'Contoso Ltd', autotaskId: 987_654, xeroNumber: 'X-0001' },
          {
            number: 'INV-200',
            company: 'Harbour Plumbing Limited',
            autotaskId: 111_222,
            xeroNumber: 'X-0002',
          },
          { number: 'INV-300', company: 'Café Ōtāhuhu', autotaskId: 333_444, xeroNumber: null },
          { number: '98765', company: 'Fabrikam', autotaskId: 555_666, xeroNumber: 'ZZ-9' },
        ][index]
    )
    const search = async (q: string) => {
      const response = await client
        .get(`/products/${product.id}/invoices`)
        .qs({ q })
        .header('HX-Request', 'true')
        .header('HX-Target', 'records-table')
        .loginAs(owner)
      response.assertStatus(200)
      return numbersOn(response.text()).sort()
    }
    assert.deepEqual(await search('INV-1'), ['INV-100'], 'invoice number prefix')
    assert.deepEqual(await search('inv'), ['INV-100', 'INV-200', 'INV-300'], 'case does not matter')
    assert.deepEqual(await search('x-0002'), ['INV-200'], 'Xero number prefix')
    assert.deepEqual(await search('987654'), ['INV-100'], 'Autotask id')
    assert.deepEqual(
      await search('9876'),
      ['98765'],
      'digits are an invoice number prefix, not a partial Autotask id'
    )
    assert.deepEqual(await search('contoso'), ['INV-100'], 'first word of the company')
    assert.deepEqual(
      await search('plumb'),
      ['INV-200'],
      'a later word of the company, by its start'
    )
    assert.deepEqual(
      await search('harbour lim'),
      ['INV-200'],
      'every word must start a word of the company'
    )
    assert.deepEqual(await search('otahuhu'), ['INV-300'], 'accents do not matter')
    assert.deepEqual(await search('arbour'), [], 'the middle of a word is no match')
    assert.deepEqual(await search('harbour contoso'), [])
    assert.deepEqual(await search('100%'), [], 'LIKE wildcards are text')
  })

  test('finds matches newest first beyond the newest thousand invoices, across pages', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    // 1,500 invoices: "Kauri" on the oldest 40 and on 10 of the newest 100, "Rare" only on the very oldest.
    await seedInvoices(product.id, 1500, (index) => ({
      company:
        index < 40 || (index >= 1400 && index % 10 === 0)
          ? 'Kauri Motors'
          : index === 0
            ? 'Rare'
            : 'Bulk Co',
    }))
    await db
      .from('invoice_records')
      .where('product_id', product.id)
      .where('invoice_number', 'N-0')
      .update({ company_name: 'Rare Kauri' })

    const rare = await client
      .get(`/products/${product.id}/invoices`)
      .qs({ q: 'rare' })
      .loginAs(owner)
    assert.deepEqual(numbersOn(rare.text()), ['N-0'])

    const kauri = Array.from({ length: 10 }, (_, k) => `N-${1490 - 10 * k}`).concat(
      Array.from({ length: 40 }, (_, k) => `N-${39 - k}`)
    )
    const first = await client
      .get(`/products/${product.id}/invoices`)
      .qs({ q: 'kauri' })
      .loginAs(owner)
    assert.deepEqual(numbersOn(first.text()), kauri)
    assert.isNull(pagerLink(first.text(), 'older-page'))
  })
})

test.group('Invoice exports', (group) => {
  group.each.setup(resetDatabase)

  test('stream the whole filtered list, past one read chunk, newest first', async ({
    client,
    assert,
  }) => {
    const { owner, product } = await ownerWithProduct()
    // 2,600 invoices; 1,300 are Harbour's, and 650 of those are faults.
    await seedInvoices(product.id, 2600, (index) => ({
      company: index % 2 === 0 ? 'Harbour Plumbing Ltd' : 'Summit Dental',
      status: index % 4 === 0 ? 'fault' : 'synced',
    }))
    const response = await client
      .get(`/products/${product.id}/invoices/export/csv`)
      .qs({ q: 'harbour', status: 'fault' })
      .loginAs(owner)
    response.assertStatus(200)
    const lines = response
      .text()
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    assert.lengthOf(lines, 651)
    const numbers = lines.slice(1).map((line) => line.split(',')[1])
    assert.deepEqual(
      numbers,
      Array.from({ length: 650 }, (_, k) => `N-${2596 - 4 * k}`)
    )
    assert.isTrue(
      lines
        .slice(1)
        .every((line) => line.includes(',Harbour Plumbing Ltd,') && line.includes(',Fault,'))
    )

    const all = await client.get(`/products/${product.id}/invoices/export/csv`).loginAs(owner)
    assert.lengthOf(all.text().trim().split('\r\n'), 2601)
  })
})
