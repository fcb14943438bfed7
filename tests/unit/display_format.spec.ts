import { test } from '@japa/runner'
import { Decimal } from 'decimal.js'
import edge from 'edge.js'
import { displayLocale, formatMoney, logPayload } from '#start/view'

test.group('Money, locale and log payloads on pages', () => {
  test('money has thousands separators in the reader locale and never passes through a float', ({
    assert,
  }) => {
    assert.equal(formatMoney(new Decimal('150534.41'), 'NZD', 'en-NZ'), 'NZD\u00a0150,534.41')
    assert.equal(formatMoney('150534.41', 'EUR', 'de-DE'), '150.534,41\u00a0EUR')
    // 2^53 + 1 cents: a float would round it.
    assert.equal(formatMoney('90071992547409.93', 'USD', 'en'), 'USD\u00a090,071,992,547,409.93')
    assert.equal(formatMoney(new Decimal('-602.98'), 'NZD', 'en'), '-NZD\u00a0602.98')
    assert.equal(formatMoney(null, 'NZD'), '')
    assert.equal(formatMoney('12.50', 'XX1', 'en'), 'XX1\u00a012.50')
    // An amount read as the database's text (four decimals) rounds as a Decimal does, with or without Intl.
    assert.equal(formatMoney('1234.5050', 'NZD', 'en'), 'NZD\u00a01,234.51')
    assert.equal(formatMoney('-2.1250', 'NZD', 'en'), '-NZD\u00a02.13')
    assert.equal(formatMoney('12.3450', 'XX1', 'en'), 'XX1\u00a012.35')
    assert.equal(formatMoney('n/a', 'XX1', 'en'), 'XX1\u00a0n/a')
  })

  test('pages escape what Edge always escaped, and print plain text and numbers as they are', async ({
    assert,
  }) => {
    const html = await edge.renderRaw(
      '{{ markup }}|{{ plain }}|{{ accented }}|{{ id }}|{{ amount }}|{{ html.safe(trusted) }}|{{ missing }}',
      {
        markup: `<b title="x">Tom & 'Jerry'</b>\``,
        plain: 'Harbour Plumbing Ltd',
        accented: 'Café Ōtāhuhu',
        id: 29680001,
        amount: -2.5,
        trusted: '<i>kept</i>',
        missing: undefined,
      }
    )
    assert.equal(
      html,
      '&lt;b title=&quot;x&quot;&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/b&gt;&#x60;|Harbour Plumbing Ltd|Café Ōtāhuhu|29680001|-2.5|<i>kept</i>|undefined'
    )
  })

  test('the locale is the first language of Accept-Language that Intl knows, else English', ({
    assert,
  }) => {
    assert.equal(displayLocale('en-NZ,en;q=0.9'), 'en-NZ')
    assert.equal(displayLocale('de-DE;q=0.8'), 'de-DE')
    assert.equal(displayLocale('*, not a tag!!, fr'), 'fr')
    assert.equal(displayLocale(undefined), 'en')
  })

  test('a log line ending in long JSON is split into its words and the JSON pretty-printed', ({
    assert,
  }) => {
    const json = JSON.stringify({ Invoices: [{ Contact: { Name: 'x'.repeat(100) }, Total: 1 }] })
    const folded = logPayload(`Payload Xero would receive (PUT /Invoices): ${json}`)
    assert.equal(folded.text, 'Payload Xero would receive (PUT /Invoices):')
    assert.deepEqual(JSON.parse(folded.payload!), JSON.parse(json))
    assert.include(folded.payload!, '\n')
    assert.deepEqual(logPayload('Tax region [GST] is not mapped'), {
      text: 'Tax region [GST] is not mapped',
      payload: null,
    })
  })
})
