import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { UserFactory } from '#database/factories/user_factory'
import InvoiceRecord from '#models/invoice_record'
import Mapping from '#models/mapping'
import { logMessages } from '#tests/helpers/assertions'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** Region 4 ("VAT UK") is left unmapped by the sandbox set-up, so its invoices fault. */
const VAT_UK = '4'

test.group('Mappings: values seen on invoices that nothing maps', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ xeroClient: { timeoutMs: 30_000 } })
    return () => world.close()
  })

  test('the mappings page lists the unmapped tax region with the invoices it holds back; once mapped, one action resyncs them', async ({
    client,
    assert,
  }) => {
    await world.run()
    const faulted = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'fault')
      .where('autotask_tax_region_id', VAT_UK)
    assert.isAbove(faulted.length, 0)
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()

    const page = await client.get(`/products/${world.product.id}/setup/mappings`).loginAs(owner)
    page.assertStatus(200)
    const row = new RegExp(
      `data-testid="unmapped-tax_region-${VAT_UK}">[\\s\\S]*?VAT UK[\\s\\S]*?<td>Tax region</td>\\s*<td>0</td>\\s*<td>${faulted.length}</td>`
    )
    assert.match(page.text(), row)

    // Resync before mapping: nothing moves, the invoices would only fault again.
    await client
      .post(`/products/${world.product.id}/setup/mappings/resync-held`)
      .withCsrfToken()
      .loginAs(owner)
    for (const record of faulted) {
      await record.refresh()
      assert.equal(record.status, 'fault')
    }

    await Mapping.create({
      productId: world.product.id,
      kind: 'tax_region',
      autotaskValue: VAT_UK,
      autotaskLabel: 'VAT UK',
      xeroValue: 'OUTPUT2',
      xeroLabel: 'GST on Income',
    })
    const after = await client.get(`/products/${world.product.id}/setup/mappings`).loginAs(owner)
    assert.notInclude(after.text(), `data-testid="unmapped-tax_region-${VAT_UK}"`)

    const resync = await client
      .post(`/products/${world.product.id}/setup/mappings/resync-held`)
      .withCsrfToken()
      .loginAs(owner)
      .redirects(0)
    resync.assertStatus(302)
    for (const record of faulted) {
      await record.refresh()
      assert.equal(record.status, 'pending', `invoice ${record.invoiceNumber}`)
    }
    // Faults of another kind (a negative total) stay where they are.
    const negative = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('fault_reason', 'like', 'The invoice total is negative%')
    for (const record of negative) assert.equal(record.status, 'fault')
    const moves = await logMessages(world.product.id, 'invoice.resync')
    assert.lengthOf(moves, faulted.length)
    assert.include(moves[0], `by ${owner.email}`)
  }).timeout(90_000)

  test('without a default account, a billing code nothing maps is listed with its pending invoices', async ({
    client,
    assert,
  }) => {
    await Mapping.query()
      .where('product_id', world.product.id)
      .where('kind', 'billing_code')
      .where('autotask_value', '*')
      .delete()
    // Nothing synced yet; the run below faults the invoices whose lines no account covers.
    const records = await InvoiceRecord.query().where('product_id', world.product.id)
    assert.lengthOf(records, 0)
    await world.run()
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const page = await client.get(`/products/${world.product.id}/setup/mappings`).loginAs(owner)
    page.assertStatus(200)
    assert.match(page.text(), /data-testid="unmapped-billing_code-2968280[0-35-9]"/)
    assert.match(page.text(), /Remote Support|On-site Support|Managed Services/)
  }).timeout(90_000)
})
