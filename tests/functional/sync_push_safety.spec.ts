import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { Decimal } from 'decimal.js'
import { resetDatabase } from '#tests/helpers/database'
import { assertOneCreditNoteEach, syncedByXeroType } from '#tests/helpers/assertions'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { knob } from '#tests/helpers/xero_sandbox'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import SyncLog from '#models/sync_log'
import RecordStatusService from '#services/record_status_service'
import { XERO_SANDBOX_TENANTS, type SandboxInvoice } from '#sandbox/xero/index'
import { xeroConnectionOf } from '#sync/product_connections'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId
/** Time-outs are not under test here: a loaded machine must not turn a slow answer into a retry. */
const PATIENT = { xeroClient: { timeoutMs: 30_000 } }
/** "Remote Support": mapped to the default Xero account 200 */
const REMOTE_SUPPORT = 29682801

const round = (value: Decimal.Value, places: number) =>
  new Decimal(value).toDecimalPlaces(places, Decimal.ROUND_HALF_UP)

/**
 * One invoice of a new billing run in the Autotask sandbox: `lines` lines of
 * 1 × 10.00 at 15 % GST, each with a description `descriptionLength` long, so
 * its size in a Xero request is known to within a few per cent.
 */
function addLongInvoice(world: World, companyId: number, lines: number, descriptionLength: number) {
  const state = world.autotask.state
  const [id] = state.addBillingRun({ invoices: 1, companyIds: [companyId], lines }).invoiceIds
  const invoice = state.tables.Invoices.get(id)!
  state.itemsOf(id).forEach((item, index) => {
    const description = `Line ${index + 1} `.padEnd(descriptionLength, 'x')
    Object.assign(item, {
      billingCodeID: REMOTE_SUPPORT,
      quantity: 1,
      rate: 10,
      extendedPrice: 10,
      taxDollars: 1.5,
      description,
      lineItemFullDescription: description,
    })
  })
  invoice.invoiceTotal = Number(round(lines * 11.5, 2))
  invoice.totalTaxValue = Number(round(lines * 1.5, 2))
  return invoice as { id: number; invoiceNumber: string }
}

async function recordOf(world: World, autotaskId: number) {
  return InvoiceRecord.query()
    .where('product_id', world.product.id)
    .where('autotask_id', autotaskId)
    .firstOrFail()
}

function xeroInvoice(world: World, invoiceId: string | null): SandboxInvoice {
  const invoice = world.xero.state
    .invoices(NZ)
    .find((candidate) => candidate.InvoiceID === invoiceId)
  if (!invoice) throw new Error(`Xero holds no invoice ${invoiceId}`)
  return invoice
}

function salesInvoices(world: World) {
  return world.xero.state.invoices(NZ).filter((invoice) => invoice.Type === 'ACCREC')
}

test.group('Push safety against the sandboxes', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld(PATIENT)
    return () => world.close()
  })

  test("resync after a bookkeeper approved the draft: the change goes in, Xero's status stays, the log says so", async ({
    assert,
  }) => {
    await world.run()
    const [approved, submitted] = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'synced')
      .whereNull('xero_type')
      .orderBy('id')
    assert.equal(
      xeroInvoice(world, approved.xeroInvoiceId).Status,
      'DRAFT',
      'the product sends drafts'
    )
    // In Xero, a bookkeeper approves one draft and submits the other for approval.
    xeroInvoice(world, approved.xeroInvoiceId).Status = 'AUTHORISED'
    xeroInvoice(world, submitted.xeroInvoiceId).Status = 'SUBMITTED'
    // Then both change in Autotask and are resynced.
    for (const record of [approved, submitted]) {
      const [item] = world.autotask.state.itemsOf(record.autotaskId)
      Object.assign(item, {
        description: 'Corrected after approval',
        lineItemFullDescription: 'Corrected after approval',
      })
    }
    const statuses = await app.container.make(RecordStatusService)
    await statuses.apply('invoice', approved, 'resync', 'tester')
    await statuses.apply('invoice', submitted, 'resync', 'tester')
    const countBefore = salesInvoices(world).length

    await world.run()
    for (const [record, status] of [
      [approved, 'AUTHORISED'],
      [submitted, 'SUBMITTED'],
    ] as const) {
      const after = await InvoiceRecord.findOrFail(record.id)
      assert.equal(after.status, 'synced', after.faultReason ?? '')
      assert.equal(after.xeroInvoiceId, record.xeroInvoiceId, 'the same Xero invoice')
      const inXero = xeroInvoice(world, record.xeroInvoiceId)
      assert.equal(inXero.Status, status, "Xero's status is not moved back")
      assert.match(
        inXero.LineItems[0].Description ?? '',
        /^Corrected after approval/,
        'the change reached Xero'
      )
      const line = await SyncLog.query()
        .where('invoice_record_id', record.id)
        .where('event', 'invoice.synced')
        .orderBy('id', 'desc')
        .firstOrFail()
      assert.include(line.message, `Xero's status ${status} kept, not moved back to DRAFT`)
    }
    assert.lengthOf(salesInvoices(world), countBefore, 'nothing created')
  }).timeout(90_000)

  test('a batch over 3.5 MB goes in several requests; an invoice over it alone faults with the reason', async ({
    assert,
  }) => {
    await world.run()
    const company = world.autotask.state.addCompany({
      companyName: 'Long Lines Ltd',
      taxRegionID: 1,
    })
    // About 1.3 MB each in a Xero request: any two fit in 3.5 MB, all three do not.
    const fitting = [1, 2, 3].map(() => addLongInvoice(world, company.id as number, 400, 3000))
    // About 3.7 MB: too large even alone.
    const huge = addLongInvoice(world, company.id as number, 1200, 3000)
    world.xero.state.clearLog()

    const run = (await world.run()).run!
    assert.equal(run.state, 'succeeded', run.error ?? '')
    for (const invoice of fitting) {
      const record = await recordOf(world, invoice.id)
      assert.equal(record.status, 'synced', record.faultReason ?? '')
      const inXero = xeroInvoice(world, record.xeroInvoiceId)
      assert.lengthOf(inXero.LineItems, 400)
      assert.equal(inXero.Total.toFixed(2), '4600.00')
    }
    const tooLarge = await recordOf(world, huge.id)
    assert.equal(tooLarge.status, 'fault')
    assert.equal(
      tooLarge.faultReason,
      `The invoice is too large for Xero: it makes a request of 3.7 MB, and Xero accepts at most 3.5 MB in one request.`
    )
    assert.include(tooLarge.faultHint!, 'Split it into smaller invoices in Autotask')
    assert.isFalse(
      salesInvoices(world).some((invoice) => invoice.InvoiceNumber === huge.invoiceNumber),
      'the too-large one was not sent'
    )
    const writes = world.xero.state.requestLog.filter(
      (entry) => entry.method === 'PUT' && entry.path.endsWith('/Invoices')
    )
    assert.lengthOf(writes, 2, 'two requests for the three that fit')
    assert.isTrue(
      writes.every((entry) => entry.status === 200),
      'none refused as too large'
    )
    assert.lengthOf(
      new Set(writes.map((entry) => entry.idempotencyKey)),
      2,
      'each request its own Idempotency-Key'
    )
  }).timeout(180_000)

  test('a concurrent-limit 429 without Retry-After is waited out in about a second, not a minute', async ({
    assert,
  }) => {
    await knob(world.xero, '/faults', {
      kind: 429,
      count: 1,
      path: '/Invoices',
      method: 'PUT',
      problem: 'concurrent',
      withoutRetryAfter: true,
    })
    const started = Date.now()
    const run = (await world.run()).run!
    const seconds = (Date.now() - started) / 1000
    assert.equal(run.state, 'succeeded', run.error ?? '')
    const refused = world.xero.state.requestLog.filter((entry) => entry.status === 429)
    assert.lengthOf(refused, 1, 'the 429 was sent')
    const note = await SyncLog.query()
      .where('sync_run_id', run.id)
      .where('event', 'run.rate_limited')
      .firstOrFail()
    assert.equal(
      note.message,
      "Waited 1 s for Xero's concurrent-call rate limit (1 time), as Xero asked; no attempt counted"
    )
    assert.isBelow(seconds, 30, 'the run did not sit out a minute')
    const { invoices, creditNotes } = await syncedByXeroType(world.product.id)
    assert.lengthOf(invoices, 21, 'every invoice of the seed that can sync')
    assertOneCreditNoteEach(
      world.xero.state.organisation(XERO_SANDBOX_TENANTS.nz.tenantId)!,
      creditNotes,
      1
    )
  }).timeout(90_000)

  test('every write to Xero carries an Idempotency-Key, contact creates included, and the sandbox records it', async ({
    assert,
  }) => {
    const run = (await world.run()).run!
    assert.equal(run.state, 'succeeded', run.error ?? '')
    const writes = world.xero.state.requestLog.filter(
      (entry) => ['PUT', 'POST'].includes(entry.method) && entry.path.includes('/api.xro/')
    )
    const contactCreates = writes.filter((entry) => entry.path.endsWith('/Contacts'))
    assert.isAbove(contactCreates.length, 0, 'the run created contacts')
    assert.isAbove(writes.length, contactCreates.length, 'and invoices')
    for (const entry of writes) {
      assert.isString(
        entry.idempotencyKey,
        `${entry.method} ${entry.path} carries an Idempotency-Key`
      )
      assert.isAtMost(entry.idempotencyKey!.length, 128)
    }
    const created = world.xero.state
      .organisation(NZ)!
      .contacts.filter((contact) => contact.ContactNumber)
    const numbers = created.map((contact) => contact.ContactNumber)
    assert.lengthOf(new Set(numbers), numbers.length, 'one contact per company')
  }).timeout(90_000)

  test('a contact create Xero refused is asked afresh, with a new Idempotency-Key, on the resync after a person fixed Xero', async ({
    assert,
  }) => {
    const product = await Product.findOrFail(world.product.id)
    product.settings = { ...(product.settings ?? {}), matchContactsByName: false }
    await product.save()
    await world.run()
    const company = world.autotask.state.addCompany({
      companyName: 'Clash Holdings Ltd',
      taxRegionID: 1,
    })
    const invoice = addLongInvoice(world, company.id as number, 1, 40)
    // In Xero, another contact already holds the name, under another number.
    const [other] = await world.stack.gateway.createContacts(xeroConnectionOf(world.product), [
      { name: 'Clash Holdings Ltd', contactNumber: 'X-1' },
    ])
    assert.isTrue(other.ok)
    world.xero.state.clearLog()

    await world.run()
    const refused = await recordOf(world, invoice.id)
    assert.equal(refused.status, 'fault')
    assert.include(refused.faultReason!, 'is already assigned to another contact')
    const contactWrites = () =>
      world.xero.state.requestLog.filter(
        (entry) => entry.method === 'PUT' && entry.path.endsWith('/Contacts')
      )
    const [first] = contactWrites()
    assert.isString(first.idempotencyKey, 'the refused create carried a key')

    // A person renames the other contact in Xero, then resyncs the invoice.
    const org = world.xero.state.organisation(NZ)!
    org.contacts.find(
      (contact) => contact.ContactID === (other.ok ? other.value.contactId : '')
    )!.Name = 'Clash (old) Ltd'
    const statuses = await app.container.make(RecordStatusService)
    await statuses.apply('invoice', refused, 'resync', 'tester')
    await world.run()

    const synced = await recordOf(world, invoice.id)
    assert.equal(synced.status, 'synced', synced.faultReason ?? '')
    const second = contactWrites().at(-1)!
    assert.isString(second.idempotencyKey)
    assert.notEqual(second.idempotencyKey, first.idempotencyKey, 'not answered the old refusal')
    assert.isFalse(second.replayed)
    const created = org.contacts.filter((contact) => contact.ContactNumber === String(company.id))
    assert.lengthOf(created, 1)
    assert.equal(xeroInvoice(world, synced.xeroInvoiceId).Contact.ContactID, created[0].ContactID)
  }).timeout(90_000)
})
