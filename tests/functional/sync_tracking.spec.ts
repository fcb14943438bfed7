import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { logMessages } from '#tests/helpers/assertions'
import InvoiceRecord from '#models/invoice_record'
import Mapping from '#models/mapping'
import Product from '#models/product'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { creditNotesOf } from '#sandbox/xero/credit_notes'
import type { MappingKind } from '#enums/sync'
import UnmappedValueService from '#services/unmapped_value_service'
import app from '@adonisjs/core/services/app'
import { UserFactory } from '#database/factories/user_factory'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

async function map(world: World, kind: MappingKind, autotaskValue: string, xeroValue: string) {
  await Mapping.create({
    productId: world.product.id,
    kind,
    autotaskValue,
    autotaskLabel: null,
    xeroValue,
    xeroLabel: null,
  })
}

async function merge(world: World, settings: Record<string, unknown>) {
  const product = await Product.findOrFail(world.product.id)
  product.settings = { ...(product.settings ?? {}), ...settings }
  await product.save()
}

/** Our records in a status, with the Xero invoice each became (if any) and its company's territory in Autotask. */
async function records(world: World, status: string) {
  const rows = await InvoiceRecord.query()
    .where('product_id', world.product.id)
    .where('status', status)
  // A negative Autotask invoice becomes a credit note: its lines are tracked the same way.
  const documents = [
    ...world.xero.state.invoices(NZ).map((invoice) => ({ id: invoice.InvoiceID, ...invoice })),
    ...creditNotesOf(world.xero.state.organisation(NZ)!).map((note) => ({
      id: note.CreditNoteID,
      BrandingThemeID: undefined as string | undefined,
      ...note,
    })),
  ]
  const byId = new Map(documents.map((document) => [document.id, document] as const))
  return rows.map((record) => ({
    record,
    xero: record.xeroInvoiceId ? byId.get(record.xeroInvoiceId) : undefined,
    territory: world.autotask.state.tables.Companies.get(record.autotaskCompanyId!)!
      .territoryID as number,
  }))
}

const REGION: Record<number, string> = { 1: 'North', 2: 'South', 3: 'Central' }
const DEPARTMENT: Record<number, string> = { 1: 'Support', 2: 'Projects', 3: 'Hardware' }
const BUSINESS_UNIT: Record<number, string> = { 1: 'Services', 2: 'Recurring', 3: 'Products' }

test.group('Line tracking and the branding theme per invoice template', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    // The strict sandbox compiles the contract's invoice schema on the first PUT: allow it time on a busy machine.
    world = await startSyncWorld({ xeroClient: { timeoutMs: 30_000 } })
    return () => world.close()
  })

  test('lines carry the Xero options of their territory and department; two tracked lines of one invoice each get theirs', async ({
    assert,
  }) => {
    await map(world, 'tracking_category', 'territory', 'Region')
    await map(world, 'tracking_category', 'department', 'Department')
    for (const [id, option] of Object.entries(REGION)) await map(world, 'territory', id, option)
    for (const [id, option] of Object.entries(DEPARTMENT))
      await map(world, 'department', id, option)
    const outcome = await world.run()
    assert.equal(outcome.run!.state, 'succeeded', outcome.run!.error ?? '')

    const codes = world.autotask.state.tables.BillingCodes
    let twoLineInvoices = 0
    const synced = await records(world, 'synced')
    assert.isAbove(synced.length, 0)
    for (const { record, xero, territory } of synced) {
      assert.equal(record.autotaskTerritoryId, territory)
      const lines = record.lines ?? []
      if (lines.length >= 2) twoLineInvoices++
      for (const [index, line] of lines.entries()) {
        const department = codes.get(line.billingCodeId!)!.department as number
        assert.deepEqual(
          xero!.LineItems[index].Tracking.map(({ Name, Option }) => ({ Name, Option })),
          [
            { Name: 'Region', Option: REGION[territory] },
            { Name: 'Department', Option: DEPARTMENT[department] },
          ],
          `line ${index + 1} of ${record.invoiceNumber}`
        )
      }
    }
    assert.isAbove(twoLineInvoices, 0, 'the seed has invoices with two lines or more')
  }).timeout(90_000)

  test('by default an unmapped value leaves its line untracked in that category, said in the log and the unmapped panel', async ({
    assert,
  }) => {
    await map(world, 'tracking_category', 'line_of_business', 'Business Unit')
    // Line of business 3 (hardware and licences) has no option.
    await map(world, 'line_of_business', '1', BUSINESS_UNIT[1])
    await map(world, 'line_of_business', '2', BUSINESS_UNIT[2])
    const outcome = await world.run()
    assert.equal(outcome.run!.state, 'succeeded', outcome.run!.error ?? '')

    const associations = world.autotask.state.tables.BillingItems
    let untracked = 0
    for (const { record, xero } of await records(world, 'synced')) {
      for (const [index, line] of (record.lines ?? []).entries()) {
        const association = associations.get(line.autotaskId)!
          .organizationalLevelAssociationID as number
        const expected =
          association === 3 ? [] : [{ Name: 'Business Unit', Option: BUSINESS_UNIT[association] }]
        // The credit-note push logs no line notes (as for uncoded lines): only invoices' are counted.
        if (association === 3 && record.xeroType !== 'ACCRECCREDIT') untracked++
        assert.deepEqual(
          xero!.LineItems[index].Tracking.map(({ Name, Option }) => ({ Name, Option })),
          expected
        )
      }
    }
    assert.isAbove(untracked, 0, 'the seed has hardware lines')
    const logged = await logMessages(world.product.id, 'invoice.untracked_line')
    assert.lengthOf(logged, untracked)
    assert.match(
      logged[0],
      /went without a "Business Unit" option: its line of business #3 is not mapped\.$/
    )
  }).timeout(90_000)

  test('with "fault", an invoice with an unmapped territory faults with the reason and the fix, and nothing of it reaches Xero', async ({
    assert,
    client,
  }) => {
    await merge(world, { trackingUnmapped: 'fault' })
    await map(world, 'tracking_category', 'territory', 'Region')
    await map(world, 'territory', '1', 'North')
    const outcome = await world.run()
    assert.equal(outcome.run!.state, 'succeeded', outcome.run!.error ?? '')

    // Other faults (a negative total, an unmapped tax region) come first; the tracking ones name the territory.
    const faulted = (await records(world, 'fault')).filter(({ record }) =>
      /option in Xero\.$/.test(record.faultReason ?? '')
    )
    assert.isAbove(faulted.length, 0)
    const numbers = new Set(world.xero.state.invoices(NZ).map((invoice) => invoice.InvoiceNumber))
    for (const { record, territory } of faulted) {
      assert.notEqual(territory, 1)
      assert.match(
        record.faultReason!,
        new RegExp(
          `has territory #${territory}, which is not mapped to a "Region" option in Xero\\.$`
        )
      )
      assert.include(record.faultHint!, 'Settings → Mappings (tracking: Territory → "Region")')
      assert.isFalse(numbers.has(record.invoiceNumber!))
    }
    const synced = await records(world, 'synced')
    assert.isAbove(synced.length, 0)
    for (const { territory, xero } of synced) {
      assert.equal(territory, 1)
      assert.equal(xero!.LineItems[0].Tracking[0].Option, 'North')
    }

    // The panel names each unmapped territory with the invoices it holds back.
    const unmapped = await (
      await app.container.make(UnmappedValueService)
    ).list(await Product.findOrFail(world.product.id))
    const territories = unmapped.filter((value) => value.kind === 'territory')
    assert.sameMembers(
      territories.map((value) => value.label),
      [...new Set(faulted.map(({ territory }) => territory))].map(
        (territory) => ({ 2: 'South Island', 3: 'Pacific' })[territory as 2 | 3]
      )
    )
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const page = await client.get(`/products/${world.product.id}/setup/mappings`).loginAs(owner)
    const row =
      /<tr data-testid="unmapped-territory-2">([\s\S]*?)<\/tr>/.exec(page.text())?.[1] ?? ''
    assert.include(row, 'South Island')
    assert.include(row, 'Territory (tracking)')
    assert.include(row, 'href="#tracking-territory"')
    // Every faulted invoice in those territories counts, whatever faulted it first.
    const heldBack = (await records(world, 'fault')).filter(({ territory }) => territory !== 1)
    assert.equal(
      territories.reduce((sum, value) => sum + value.faulted, 0),
      heldBack.length
    )
  }).timeout(90_000)

  test('an invoice template mapped to a branding theme takes it; other templates keep the product theme', async ({
    assert,
  }) => {
    const [standard, special] = world.xero.state.organisation(NZ)!.brandingThemes
    await merge(world, { brandingThemeId: standard.BrandingThemeID })
    await map(world, 'invoice_template', '103', special.BrandingThemeID)
    const outcome = await world.run()
    assert.equal(outcome.run!.state, 'succeeded', outcome.run!.error ?? '')

    const seen = new Set<number>()
    // Credit notes carry no branding theme from us (not part of this change).
    const invoices = (await records(world, 'synced')).filter(
      ({ record }) => record.xeroType !== 'ACCRECCREDIT'
    )
    for (const { record, xero } of invoices) {
      const template = world.autotask.state.tables.Invoices.get(record.autotaskId)!
        .invoiceEditorTemplateID as number
      assert.equal(record.autotaskInvoiceTemplateId, template)
      seen.add(template)
      assert.equal(
        xero!.BrandingThemeID,
        template === 103 ? special.BrandingThemeID : standard.BrandingThemeID,
        `theme of ${record.invoiceNumber} (template ${template})`
      )
    }
    assert.sameMembers([...seen], [102, 103], 'the seed uses both templates')
  }).timeout(90_000)
})
