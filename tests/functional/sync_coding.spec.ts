import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { logMessages } from '#tests/helpers/assertions'
import InvoiceRecord from '#models/invoice_record'
import Mapping from '#models/mapping'
import Product from '#models/product'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { DEFAULT_MAPPING_VALUE } from '#enums/sync'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId
const HARDWARE = '29682804'

function xeroInvoices(world: World) {
  return world.xero.state.invoices(NZ).filter((invoice) => invoice.Type === 'ACCREC')
}

async function merge(world: World, settings: Record<string, unknown>) {
  const product = await Product.findOrFail(world.product.id)
  product.settings = { ...(product.settings ?? {}), ...settings }
  await product.save()
}

/** Our records of synced invoices, with the Xero invoice each became (credit notes are not invoices in Xero). */
async function syncedPairs(world: World) {
  const records = await InvoiceRecord.query()
    .where('product_id', world.product.id)
    .where('status', 'synced')
    .whereNull('xero_type')
  const byId = new Map(xeroInvoices(world).map((invoice) => [invoice.InvoiceID, invoice]))
  return records.map((record) => ({ record, xero: byId.get(record.xeroInvoiceId!)! }))
}

test.group('Coding invoices: items, the uncoded account, the branding theme', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    // The strict sandbox compiles the contract's invoice schema on the first PUT: allow it time on a busy machine.
    world = await startSyncWorld({ xeroClient: { timeoutMs: 30_000 } })
    return () => world.close()
  })

  test('an item-mapped billing code sends the item code; other lines keep their account; the branding theme is set', async ({
    assert,
  }) => {
    const theme = world.xero.state.organisation(NZ)!.brandingThemes[1]
    await merge(world, { brandingThemeId: theme.BrandingThemeID })
    await Mapping.create({
      productId: world.product.id,
      kind: 'billing_code_item',
      autotaskValue: HARDWARE,
      autotaskLabel: 'Hardware',
      xeroValue: 'HW-ROUTER',
      xeroLabel: 'HW-ROUTER · Business router',
    })
    const outcome = await world.run()
    assert.equal(outcome.run!.state, 'succeeded', outcome.run!.error ?? '')

    const pairs = await syncedPairs(world)
    assert.isAbove(pairs.length, 0)
    let itemLines = 0
    let otherLines = 0
    for (const { record, xero } of pairs) {
      assert.equal(xero.BrandingThemeID, theme.BrandingThemeID, `theme of ${record.invoiceNumber}`)
      for (const [index, line] of (record.lines ?? []).entries()) {
        const sent = xero.LineItems[index]
        if (String(line.billingCodeId) === HARDWARE) {
          itemLines++
          assert.equal(sent.ItemCode, 'HW-ROUTER')
          // The billing code's own account mapping (260) still wins over the item's.
          assert.equal(sent.AccountCode, '260')
        } else {
          otherLines++
          assert.isUndefined(sent.ItemCode)
          assert.equal(sent.AccountCode, '200')
        }
      }
    }
    assert.isAbove(itemLines, 0, 'the seed has hardware lines')
    assert.isAbove(otherLines, 0)
  }).timeout(60_000)

  test('with no default account, unmapped lines go to the uncoded account and each one is logged', async ({
    assert,
  }) => {
    await Mapping.query()
      .where('product_id', world.product.id)
      .where('kind', 'billing_code')
      .where('autotask_value', DEFAULT_MAPPING_VALUE)
      .delete()
    await merge(world, { uncodedAccountCode: '429' })
    const outcome = await world.run()
    assert.equal(outcome.run!.state, 'succeeded', outcome.run!.error ?? '')

    let uncoded = 0
    for (const { record, xero } of await syncedPairs(world)) {
      for (const [index, line] of (record.lines ?? []).entries()) {
        const expected = String(line.billingCodeId) === HARDWARE ? '260' : '429'
        assert.equal(xero.LineItems[index].AccountCode, expected)
        if (expected === '429') uncoded++
      }
    }
    assert.isAbove(uncoded, 0)
    const logged = await logMessages(world.product.id, 'invoice.uncoded_line')
    assert.lengthOf(logged, uncoded)
    assert.match(logged[0], /went to the uncoded account 429: no mapping covers it\.$/)
  }).timeout(60_000)

  test('with no default and no uncoded account, an invoice with an unmapped line faults and nothing reaches Xero for it', async ({
    assert,
  }) => {
    await Mapping.query()
      .where('product_id', world.product.id)
      .where('kind', 'billing_code')
      .where('autotask_value', DEFAULT_MAPPING_VALUE)
      .delete()
    await world.run()
    const faulted = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'fault')
      .where(
        'fault_reason',
        'like',
        'Billing code % has no Xero account, and there is no default account.'
      )
    assert.isAbove(faulted.length, 0)
    const numbers = new Set(xeroInvoices(world).map((invoice) => invoice.InvoiceNumber))
    for (const record of faulted) assert.isFalse(numbers.has(record.invoiceNumber!))
    for (const record of faulted) assert.include(record.faultHint ?? '', 'name an uncoded account')
  }).timeout(60_000)

  test('a contact the engine creates carries the billing address, phone and the billing contact e-mail from Autotask', async ({
    assert,
  }) => {
    const outcome = await world.run()
    assert.equal(outcome.run!.state, 'succeeded', outcome.run!.error ?? '')
    const companies = world.autotask.state.tables.Companies
    const contacts = [...world.autotask.state.tables.Contacts.values()]
    const created = world.xero.state
      .organisation(NZ)!
      .contacts.filter(
        (contact) => contact.ContactNumber && companies.has(Number(contact.ContactNumber))
      )
      .filter((contact) => !['1001', '1002', '1003', '1004'].includes(contact.ContactNumber!))
    assert.isAbove(created.length, 0, 'the run created contacts')
    for (const contact of created) {
      const company = companies.get(Number(contact.ContactNumber))!
      const billing = contacts.find((candidate) => candidate.companyID === company.id)!
      assert.equal(contact.EmailAddress, billing.emailAddress, `e-mail of ${contact.Name}`)
      assert.deepInclude(contact.Addresses as object[], {
        AddressType: 'POBOX',
        AddressLine1: company.address1,
        City: company.city,
        PostalCode: company.postalCode,
      })
      assert.deepInclude(contact.Phones as object[], {
        PhoneType: 'DEFAULT',
        PhoneNumber: company.phone,
      })
    }
  }).timeout(60_000)
})
