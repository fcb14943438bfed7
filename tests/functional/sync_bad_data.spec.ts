import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import emitter from '@adonisjs/core/services/emitter'
import { Decimal } from 'decimal.js'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import InvoiceRecord from '#models/invoice_record'
import Link from '#models/link'
import Product from '#models/product'
import SyncLog from '#models/sync_log'
import RecordStatusService from '#services/record_status_service'
import {
  XERO_SANDBOX_ACCOUNT_CODES,
  XERO_SANDBOX_TENANTS,
  type SandboxInvoice,
} from '#sandbox/xero/index'
import {
  assertOneCreditNoteEach,
  assertRecordStatus,
  syncedByXeroType,
} from '#tests/helpers/assertions'
import { creditNotesOf } from '#sandbox/xero/credit_notes'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId
/** Time-outs are not under test here: a loaded machine must not turn a slow answer into a retry. */
const PATIENT = { xeroClient: { timeoutMs: 15_000 } }
/** "Remote Support": mapped to the default Xero account 200 */
const REMOTE_SUPPORT = 29682801

interface LinePlan {
  quantity: string
  rate: string
  description?: string
}

const round = (value: Decimal.Value, places: number) =>
  new Decimal(value).toDecimalPlaces(places, Decimal.ROUND_HALF_UP)

/**
 * One invoice of a new billing run in the Autotask sandbox with exactly these
 * lines: extended price = quantity × rate at Autotask's 4 dp, 15 % GST per line.
 * Its total is what Xero's per-line arithmetic gives, unless the plan says otherwise.
 */
function addInvoice(
  world: World,
  plan: { companyId: number; lines: LinePlan[]; total?: string; tax?: string }
) {
  const state = world.autotask.state
  const [id] = state.addBillingRun({
    invoices: 1,
    companyIds: [plan.companyId],
    lines: plan.lines.length,
  }).invoiceIds
  const invoice = state.tables.Invoices.get(id)!
  const items = state.itemsOf(id)
  let net = new Decimal(0)
  let tax = new Decimal(0)
  plan.lines.forEach((line, index) => {
    const extended = round(new Decimal(line.quantity).mul(line.rate), 4)
    const lineTax = round(round(extended, 2).mul(15).div(100), 2)
    const description = line.description ?? `Remote support, item ${index + 1}`
    Object.assign(items[index], {
      billingCodeID: REMOTE_SUPPORT,
      quantity: Number(line.quantity),
      rate: Number(line.rate),
      extendedPrice: extended.toNumber(),
      taxDollars: lineTax.toNumber(),
      description,
      lineItemFullDescription: description,
    })
    net = net.add(round(extended, 2))
    tax = tax.add(lineTax)
  })
  invoice.invoiceTotal = Number(plan.total ?? net.add(tax).toFixed(2))
  invoice.totalTaxValue = Number(plan.tax ?? tax.toFixed(2))
  return invoice as { id: number; invoiceNumber: string; companyID: number | null }
}

function companyNamed(world: World, name: string) {
  const company = [...world.autotask.state.tables.Companies.values()].find(
    (c) => c.companyName === name
  )
  if (!company) throw new Error(`No sandbox company "${name}"`)
  return company.id
}

async function recordOf(world: World, autotaskId: number) {
  return InvoiceRecord.query()
    .where('product_id', world.product.id)
    .where('autotask_id', autotaskId)
    .firstOrFail()
}

/** What Xero holds under an invoice number (sales invoices only). */
function inXero(world: World, invoiceNumber: string | null): SandboxInvoice[] {
  return world.xero.state
    .invoices(NZ)
    .filter((invoice) => invoice.Type === 'ACCREC' && invoice.InvoiceNumber === invoiceNumber)
}

function xeroContactNumbered(world: World, contactNumber: string | number) {
  return world.xero.state
    .organisation(NZ)!
    .contacts.filter((contact) => contact.ContactNumber === String(contactNumber))
}

async function logLines(record: InvoiceRecord, event: string) {
  return SyncLog.query().where('invoice_record_id', record.id).where('event', event).orderBy('id')
}

async function settings(world: World, changes: Record<string, unknown>) {
  const product = await Product.findOrFail(world.product.id)
  product.settings = { ...(product.settings ?? {}), ...changes }
  await product.save()
}

async function resync(record: InvoiceRecord) {
  const statuses = await app.container.make(RecordStatusService)
  const moved = await statuses.apply('invoice', record, 'resync', 'tester')
  if (!moved.ok) throw new Error(moved.reason)
}

async function succeeded(world: World) {
  const outcome = await world.run()
  if (!outcome.started || outcome.run.state !== 'succeeded') {
    throw new Error(
      `the run did not succeed: ${outcome.started ? outcome.run.error : outcome.reason}`
    )
  }
  return outcome.run
}

test.group('Bad data from Autotask: each case on its own', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld(PATIENT)
    return () => world.close()
  })

  test('an invoice without a company, or with one Autotask does not return, faults with the reason; Xero gets no invoice and no made-up contact', async ({
    assert,
  }) => {
    const muller = companyNamed(world, 'Müller & Söhne GmbH')
    const orphan = addInvoice(world, {
      companyId: muller,
      lines: [{ quantity: '1', rate: '120.00' }],
    })
    orphan.companyID = null
    const unknown = addInvoice(world, {
      companyId: muller,
      lines: [{ quantity: '2', rate: '80.00' }],
    })
    unknown.companyID = 987654

    await succeeded(world)
    const none = await recordOf(world, orphan.id)
    assert.equal(none.status, 'fault')
    assert.equal(none.faultReason, 'The invoice has no company in Autotask.')
    assert.equal(
      none.faultHint,
      'Check the invoice in Autotask: it must belong to a company. Then resync it here.'
    )
    const missing = await recordOf(world, unknown.id)
    assert.equal(missing.status, 'fault')
    assert.equal(
      missing.faultReason,
      "Autotask did not return the invoice's company (#987654): it may have been merged or deleted, or the API user may not see it."
    )
    assert.equal(
      missing.faultHint,
      "Check the company in Autotask and the API user's access to it, then resync the invoice here."
    )
    for (const record of [none, missing]) {
      const [line] = await logLines(record, 'invoice.fault')
      assert.equal(line.level, 'error')
      assert.equal(line.message, `Invoice ${record.invoiceNumber}: ${record.faultReason}`)
      assert.lengthOf(inXero(world, record.invoiceNumber), 0)
    }
    assert.lengthOf(
      xeroContactNumbered(world, 987654),
      0,
      'no contact made up for the unknown company'
    )
    assert.lengthOf(xeroContactNumbered(world, 0), 0, 'no contact made up for "no company"')

    // Corrected in Autotask and resynced: the company is read again and the invoice syncs under it.
    unknown.companyID = muller
    await resync(missing)
    await succeeded(world)
    const fixed = await recordOf(world, unknown.id)
    assert.equal(fixed.status, 'synced', fixed.faultReason ?? '')
    assert.equal(fixed.companyName, 'Müller & Söhne GmbH')
    const [xeroInvoice] = inXero(world, fixed.invoiceNumber)
    assert.equal(xeroInvoice.Contact.Name, 'Müller & Söhne GmbH')
    assert.equal(xeroInvoice.Contact.ContactNumber, String(muller))
  }).timeout(60_000)

  test('an invoice in a tax region nobody mapped faults with a hint to map it in Settings; Xero gets nothing', async ({
    assert,
  }) => {
    await succeeded(world)
    const [record] = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('autotask_tax_region_name', 'VAT UK')
    assert.exists(record, 'the seed has an invoice of the company in "VAT UK"')
    assert.equal(record.status, 'fault')
    assert.equal(record.faultReason, 'Tax region "VAT UK" is not mapped to a Xero tax rate.')
    assert.equal(
      record.faultHint,
      'Map it in Settings → Mappings (Autotask tax region "VAT UK" → a Xero tax rate), then resync.'
    )
    const [line] = await logLines(record, 'invoice.fault')
    assert.equal(
      line.message,
      `Invoice ${record.invoiceNumber}: Tax region "VAT UK" is not mapped to a Xero tax rate.`
    )
    assert.lengthOf(inXero(world, record.invoiceNumber), 0)
  }).timeout(60_000)

  test('a negative total becomes one credit note (with credit notes turned off it faults); a zero total is skipped by the skip rule, and syncs once the rule is off', async ({
    assert,
  }) => {
    await succeeded(world)
    const records = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .whereNotNull('invoice_number')
    const negative = records.find((record) => record.total.isNegative())!
    const zero = records.find((record) => record.total.isZero())!
    assert.exists(negative, 'the seed has a negative invoice')
    assert.exists(zero, 'the seed has a zero invoice')

    // Credit notes are on by default: the negative invoice is one Xero credit note, never an invoice.
    assert.equal(negative.status, 'synced', negative.faultReason ?? '')
    assert.equal(negative.xeroType, 'ACCRECCREDIT')
    assertOneCreditNoteEach(world.xero.state.organisation(NZ)!, [negative], 1)
    assert.lengthOf(inXero(world, negative.invoiceNumber), 0)

    // A product that turned them off: a negative invoice faults, and Xero gets nothing for it.
    await settings(world, { creditNotes: false })
    const refused = addInvoice(world, {
      companyId: negative.autotaskCompanyId!,
      lines: [{ quantity: '1', rate: '-40', description: 'Credit: a returned licence' }],
    })
    await succeeded(world)
    const off = await recordOf(world, refused.id)
    assert.equal(off.status, 'fault')
    assert.equal(
      off.faultReason,
      `The invoice total is negative (${off.currency} ${off.total.toFixed(2)}); Xero needs a credit note for that.`
    )
    assert.equal(
      off.faultHint,
      'Turn on credit notes in Settings and resync it, or enter the credit note in Xero by hand and skip this invoice.'
    )
    assert.lengthOf(inXero(world, off.invoiceNumber), 0)
    assert.isFalse(
      creditNotesOf(world.xero.state.organisation(NZ)!).some(
        (note) => note.CreditNoteNumber === off.invoiceNumber
      ),
      'no credit note with the setting off'
    )

    // PRODUCT.md §2: "$0" is a skip rule, so the invoice is Skipped Over (no fault) with the reason in its log line.
    assert.equal(zero.status, 'skipped')
    assert.isNull(zero.faultReason)
    const [skipped] = await logLines(zero, 'invoice.skipped')
    assert.include(skipped.message, `Invoice ${zero.invoiceNumber} found for`)
    assert.include(skipped.message, 'Skipped Over, the total is zero')
    assert.lengthOf(inXero(world, zero.invoiceNumber), 0)

    await settings(world, { skipZeroTotal: false })
    const statuses = await app.container.make(RecordStatusService)
    assert.isTrue((await statuses.apply('invoice', zero, 'unskip', 'tester')).ok)
    await succeeded(world)
    await assertRecordStatus(zero, 'synced')
    const [xeroZero] = inXero(world, zero.invoiceNumber)
    assert.equal(xeroZero.Total, 0)
  }).timeout(60_000)

  test('7-decimal rates reach Xero as 4-dp unit amounts, and its per-line rounding gives exactly the Autotask total', async ({
    assert,
  }) => {
    const invoice = addInvoice(world, {
      companyId: companyNamed(world, 'Café Ōtautahi Limited'),
      lines: [
        { quantity: '3', rate: '33.3333333', description: 'Managed workstations (per device)' },
        { quantity: '1.5', rate: '12.3456789', description: 'Backup storage (per 100 GB)' },
        { quantity: '7', rate: '0.1428571', description: 'SMS alerts' },
      ],
    })
    await succeeded(world)
    const record = await recordOf(world, invoice.id)
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    assert.equal(record.total.toFixed(2), '137.45')

    const [xeroInvoice] = inXero(world, record.invoiceNumber)
    assert.deepEqual(
      xeroInvoice.LineItems.map((line) => [
        line.Description,
        line.Quantity,
        line.UnitAmount,
        line.LineAmount,
        line.TaxAmount,
      ]),
      [
        ['Managed workstations (per device)', 3, 33.3333, 100, 15],
        ['Backup storage (per 100 GB)', 1.5, 12.3457, 18.52, 2.78],
        ['SMS alerts', 7, 0.1429, 1, 0.15],
      ]
    )
    assert.equal(xeroInvoice.SubTotal, 119.52)
    assert.equal(xeroInvoice.TotalTax, 17.93)
    assert.equal(xeroInvoice.Total, 137.45)
    const creates = (world.xero.state.requestLog as any[]).filter(
      (r) => r.method === 'PUT' && r.path.endsWith('/Invoices')
    )
    assert.isTrue(
      creates.length > 0 &&
        creates.every((r) => r.query.unitdp === '4' && r.query.summarizeErrors === 'false')
    )
  }).timeout(60_000)

  test('totals a cent apart fault with both figures while the rounding line is off; turned on, the resync syncs with a rounding line', async ({
    assert,
  }) => {
    // Autotask taxed the invoice as a whole (30.0999 × 15 % = 4.51); Xero taxes each line (3 × 1.50).
    const line = { quantity: '1', rate: '10.0333333' }
    const invoice = addInvoice(world, {
      companyId: companyNamed(world, 'Łódź Software Sp. z o.o.'),
      lines: [line, line, line],
      tax: '4.51',
      total: '34.60',
    })
    await succeeded(world)
    const record = await recordOf(world, invoice.id)
    assert.equal(record.status, 'fault')
    assert.equal(
      record.faultReason,
      `Invoice amounts do not match: Autotask ${record.currency} 34.60, Xero would total ${record.currency} 34.59.`
    )
    assert.equal(
      record.faultHint,
      'Turn on the rounding line in Settings to absorb cent differences, or correct the invoice in Autotask.'
    )
    assert.lengthOf(inXero(world, record.invoiceNumber), 0)

    await settings(world, {
      roundingLine: {
        enabled: true,
        accountCode: XERO_SANDBOX_ACCOUNT_CODES.roundingAccount,
        tolerance: '0.05',
      },
    })
    await resync(record)
    await succeeded(world)
    const synced = await recordOf(world, invoice.id)
    assert.equal(synced.status, 'synced', synced.faultReason ?? '')
    const held = inXero(world, record.invoiceNumber)
    assert.lengthOf(held, 1)
    assert.equal(held[0].Total, 34.6)
    assert.deepEqual(
      held[0].LineItems.map((l) => [
        l.Description,
        l.UnitAmount,
        l.LineAmount,
        l.TaxAmount,
        l.AccountCode,
        l.TaxType,
      ]),
      [
        ['Remote support, item 1', 10.0333, 10.03, 1.5, '200', 'OUTPUT2'],
        ['Remote support, item 2', 10.0333, 10.03, 1.5, '200', 'OUTPUT2'],
        ['Remote support, item 3', 10.0333, 10.03, 1.5, '200', 'OUTPUT2'],
        ['Rounding', 0.01, 0.01, 0, XERO_SANDBOX_ACCOUNT_CODES.roundingAccount, 'NONE'],
      ]
    )
  }).timeout(60_000)

  test('non-ASCII company names and line descriptions reach Xero character for character', async ({
    assert,
  }) => {
    const names = [
      'Müller & Söhne GmbH',
      '株式会社サンプル商事',
      'Łódź Software Sp. z o.o.',
      'Ngāti Whātua Ōrākei Whai Rawa Ltd',
    ]
    const description = 'Wi-Fi-Einrichtung für „Büro Nord“ – Ōtautahi 🚀 株式会社 · naïve café'
    const invoices = names.map((name) =>
      addInvoice(world, {
        companyId: companyNamed(world, name),
        lines: [{ quantity: '1', rate: '95.50', description }],
      })
    )
    await succeeded(world)
    for (const [index, invoice] of invoices.entries()) {
      const record = await recordOf(world, invoice.id)
      assert.equal(record.status, 'synced', record.faultReason ?? '')
      assert.equal(record.companyName, names[index])
      const [xeroInvoice] = inXero(world, record.invoiceNumber)
      assert.equal(xeroInvoice.Contact.Name, names[index])
      assert.equal(xeroInvoice.LineItems[0].Description, description)
      const [contact] = xeroContactNumbered(world, invoice.companyID!)
      assert.equal(contact.Name, names[index])
    }
    assert.deepEqual(world.xero.state.violations, [], 'every request fits the Xero contract')
  }).timeout(60_000)

  test("very long names and descriptions are cut to Xero's limits, never inside a character, and nothing else is lost", async ({
    assert,
  }) => {
    // 254 characters, then an emoji (two UTF-16 units) exactly where Xero's 255-character limit falls.
    const head = 'Whānau Ora Community Health & Wellbeing Trust of Ōtautahi — '
      .repeat(5)
      .slice(0, 254)
    const longName = `${head}🚀 and the Hutt Valley Incorporated`
    const company = world.autotask.state.addCompany({ companyName: longName, taxRegionID: 1 })
    const notes =
      'Remote support: Outlook profile rebuilt for Māori language pack users; mailbox migrated. '
    const longDescription = `${notes.repeat(50).slice(0, 3998)}🚀${notes.repeat(6).trim()}`
    const invoice = addInvoice(world, {
      companyId: company.id,
      lines: [
        { quantity: '2', rate: '150.00', description: longDescription },
        { quantity: '1', rate: '45.00', description: 'Managed workstation (per device, monthly)' },
      ],
    })

    await succeeded(world)
    const record = await recordOf(world, invoice.id)
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    const [xeroInvoice] = inXero(world, record.invoiceNumber)

    const cutName = `${head}…`
    assert.equal(xeroInvoice.Contact.Name, cutName)
    assert.equal([...cutName].length, 255)
    assert.equal(record.companyName, cutName, 'our copy holds what Xero holds')
    const link = await Link.query()
      .where('product_id', world.product.id)
      .where('kind', 'company_contact')
      .where('autotask_id', company.id)
      .firstOrFail()
    assert.equal(
      link.xeroId,
      xeroInvoice.Contact.ContactID,
      'linked by id, so the cut name never has to match again'
    )

    const cutDescription = `${longDescription.slice(0, 3998)}🚀…`
    assert.equal(xeroInvoice.LineItems[0].Description, cutDescription)
    assert.equal([...cutDescription].length, 4000)
    assert.equal(xeroInvoice.LineItems[1].Description, 'Managed workstation (per device, monthly)')
    assert.equal(record.lines![0].description, longDescription, 'the full text stays in our copy')
    assert.equal(xeroInvoice.Total, Number(record.total.toFixed(2)))
    const [cut] = await logLines(record, 'invoice.text_cut')
    assert.equal(cut.level, 'warn')
    assert.equal(
      cut.message,
      `Invoice ${record.invoiceNumber}: The description of line 1 is longer than Xero's 4000 characters: Xero gets it cut, ending in "…"; the full text stays in Autotask and in our copy.`
    )
    assert.deepEqual(
      world.xero.state.violations,
      [],
      'every request fits the Xero contract (Contact.Name ≤ 255)'
    )
  }).timeout(60_000)

  test('a 500-line invoice reaches Xero with all 500 lines, in order, at the Autotask total', async ({
    assert,
  }) => {
    const quantities = ['1', '2', '0.5', '1.25', '3']
    const lines = Array.from({ length: 500 }, (_, index) => ({
      quantity: quantities[index % quantities.length],
      rate: (10 + ((index * 37) % 190) + (index % 100) / 100).toFixed(2),
      description: `Line ${index + 1}: managed device ${String(index + 1).padStart(3, '0')}`,
    }))
    const invoice = addInvoice(world, {
      companyId: companyNamed(world, "O'Brien & Daughters (NZ) Ltd"),
      lines,
    })
    await succeeded(world)
    const record = await recordOf(world, invoice.id)
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    assert.lengthOf(record.lines!, 500)
    const held = inXero(world, record.invoiceNumber)
    assert.lengthOf(held, 1)
    assert.lengthOf(held[0].LineItems, 500)
    assert.deepEqual(
      held[0].LineItems.map((line) => line.Description),
      lines.map((line) => line.description)
    )
    assert.equal(held[0].Total, Number(record.total.toFixed(2)))
  }).timeout(60_000)
})

test.group('Bad data from Autotask: an invoice deleted before its push', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld(PATIENT)
    return () => world.close()
  })

  async function deleteInAutotask(autotaskId: number) {
    const response = await fetch(`${world.autotask.knobsUrl}/invoices/${autotaskId}`, {
      method: 'DELETE',
    })
    if (!response.ok) throw new Error(`could not delete invoice ${autotaskId}: ${response.status}`)
  }

  /** Autotask queries of invoices by id (`invoicesByIds`) since the counters were reset, as lists of ids. */
  function idLookups() {
    return world.autotask.state.requests
      .filter(
        (request) =>
          request.entity === 'Invoices' && (request.body as any)?.filter?.[0]?.op === 'in'
      )
      .map((request) => (request.body as any).filter[0].value as number[])
  }

  test('waited, resynced or linked: a deleted invoice is skipped when it never reached Xero and faults when Xero holds it', async ({
    assert,
  }) => {
    // More batches than a run keeps in flight at once (syncConfig.xeroInFlight); the product is paused
    // as the first syncs, so the batches not yet claimed wait for a later run.
    await fetch(`${world.autotask.knobsUrl}/billing-runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ invoices: 250 }),
    })
    emitter.once('record:synced', async () => {
      await Product.query().where('id', world.product.id).update({ status: 'paused' })
    })
    const first = (await world.run()).run!
    assert.equal(first.state, 'cancelled')
    const all = await InvoiceRecord.query().where('product_id', world.product.id).orderBy('id')
    const waiting = all.filter(
      (record) =>
        record.status === 'pending' && record.invoiceNumber !== null && record.attempts === 0
    )
    assert.isAtLeast(waiting.length, 3, 'the second batch was never tried')
    const [goneWaiting, alsoGone] = waiting
    const synced = all.find((record) => record.status === 'synced')!
    const faulted = all.find(
      (record) => record.status === 'fault' && record.faultReason?.includes('VAT UK')
    )!
    assert.exists(faulted)

    // Meanwhile in Autotask: two waiting invoices, one synced and one faulted invoice are deleted; the latter two are resynced.
    for (const record of [goneWaiting, alsoGone, synced, faulted])
      await deleteInAutotask(record.autotaskId)
    await resync(synced)
    await resync(faulted)
    await Product.query().where('id', world.product.id).update({ status: 'active' })
    world.autotask.state.resetStats()
    world.clock.advance({ hours: 2 })

    const second = (await world.run()).run!
    assert.equal(second.state, 'succeeded', second.error ?? '')
    for (const record of [goneWaiting, alsoGone, faulted]) {
      const after = await InvoiceRecord.findOrFail(record.id)
      assert.equal(after.status, 'skipped', `invoice ${record.invoiceNumber}`)
      assert.equal(after.faultReason, 'The invoice was deleted in Autotask before it reached Xero.')
      assert.isNull(after.faultHint)
      const [line] = await logLines(after, 'invoice.skipped')
      assert.equal(
        line.message,
        `Invoice ${record.invoiceNumber}: Skipped Over. The invoice was deleted in Autotask before it reached Xero.`
      )
      assert.equal(line.syncRunId, second.id)
      assert.lengthOf(inXero(world, record.invoiceNumber), 0)
    }
    const linked = await InvoiceRecord.findOrFail(synced.id)
    assert.equal(linked.status, 'fault')
    assert.equal(linked.faultReason, 'The invoice no longer exists in Autotask.')
    assert.equal(
      linked.faultHint,
      `It was deleted in Autotask, but Xero holds it as ${synced.xeroInvoiceNumber}: void it in Xero if it should go, then skip it here.`
    )
    assert.lengthOf(
      inXero(world, synced.invoiceNumber),
      1,
      'Xero still holds it, unchanged and not doubled'
    )

    const rest = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .whereIn(
        'id',
        waiting.slice(2).map((r) => r.id)
      )
    assert.isTrue(rest.every((record) => record.status === 'synced' || record.status === 'fault'))
    for (const record of rest.filter((r) => r.status === 'synced'))
      assert.lengthOf(inXero(world, record.invoiceNumber), 1)
    assert.equal(second.stats!.invoicesSkipped, 3)

    // The check is one Autotask call per batch (batches in flight at once each make their own), and
    // together they ask for every invoice that waited or was resynced, each once.
    const checks = idLookups()
    assert.lengthOf(
      checks.filter((ids) => ids.includes(goneWaiting.autotaskId)),
      1
    )
    const asked = checks.flat()
    for (const record of [goneWaiting, alsoGone, synced, faulted])
      assert.lengthOf(
        asked.filter((id) => id === record.autotaskId),
        1,
        `invoice ${record.invoiceNumber} checked once`
      )
  }).timeout(60_000)

  test('one an earlier try put in Xero without our link is found there by number and faults instead of being skipped', async ({
    assert,
  }) => {
    await succeeded(world)
    const [record] = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'synced')
      .orderBy('id')
      .limit(1)
    // As after a worker died between Xero's answer and our commit: the lease came back with one attempt counted.
    await InvoiceRecord.query()
      .where('id', record.id)
      .update({ status: 'pending', xero_invoice_id: null, xero_invoice_number: null, attempts: 1 })
    await Link.query()
      .where('product_id', world.product.id)
      .where('kind', 'invoice')
      .where('autotask_id', record.autotaskId)
      .delete()
    await deleteInAutotask(record.autotaskId)

    await succeeded(world)
    const after = await InvoiceRecord.findOrFail(record.id)
    assert.equal(after.status, 'fault')
    assert.equal(after.faultReason, 'The invoice no longer exists in Autotask.')
    assert.equal(
      after.faultHint,
      `It was deleted in Autotask, but Xero holds it as ${record.invoiceNumber}: void it in Xero if it should go, then skip it here.`
    )
    assert.lengthOf(inXero(world, record.invoiceNumber), 1)
  }).timeout(60_000)

  test('invoices discovered and pushed in the same run cost no Autotask call to check them', async ({
    assert,
  }) => {
    world.autotask.state.resetStats()
    await succeeded(world)
    const { invoices, creditNotes } = await syncedByXeroType(world.product.id)
    assert.lengthOf(invoices, 21, 'every invoice of the seed that can sync')
    assertOneCreditNoteEach(world.xero.state.organisation(NZ)!, creditNotes, 1)
    const synced = [...invoices, ...creditNotes]
    const checked = new Set(idLookups().flat())
    assert.deepEqual(
      synced
        .filter((record) => checked.has(record.autotaskId))
        .map((record) => record.invoiceNumber),
      [],
      'no synced invoice was looked up again'
    )
  }).timeout(60_000)
})
