import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import lockManager from '@adonisjs/lock/services/main'
import { Decimal } from 'decimal.js'
import { resetDatabase } from '#tests/helpers/database'
import { assertOneCreditNoteEach, syncedByXeroType } from '#tests/helpers/assertions'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { knob } from '#tests/helpers/xero_sandbox'
import { aceProcess, exitWithin } from '#tests/helpers/sync_process'
import { UserFactory } from '#database/factories/user_factory'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import SyncLog from '#models/sync_log'
import { XeroGateway, type XeroInvoiceInput } from '#integrations/xero/xero_gateway'
import { invoiceMarker } from '#sync/invoice_mapper'
import { XERO_SANDBOX_TENANTS, type SandboxInvoice } from '#sandbox/xero/index'
import syncConfig from '#config/sync'
import { xeroConnectionOf } from '#sync/product_connections'
import LeaseService from '#sync/leases'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId
/** Time-outs are not under test here: a loaded machine must not turn a slow answer into a retry. */
const PATIENT = { xeroClient: { timeoutMs: 15_000 } }
/** "Remote Support": mapped to the default Xero account 200 */
const REMOTE_SUPPORT = 29682801

const round = (value: Decimal.Value, places: number) =>
  new Decimal(value).toDecimalPlaces(places, Decimal.ROUND_HALF_UP)

/** One invoice of a new billing run in the Autotask sandbox: one line, 15 % GST, with this PO number. */
function addInvoice(
  world: World,
  plan: { companyId: number; quantity: string; rate: string; poNumber: string }
) {
  const state = world.autotask.state
  const [id] = state.addBillingRun({
    invoices: 1,
    companyIds: [plan.companyId],
    lines: 1,
  }).invoiceIds
  const invoice = state.tables.Invoices.get(id)!
  const [item] = state.itemsOf(id)
  const net = round(new Decimal(plan.quantity).mul(plan.rate), 2)
  const tax = round(net.mul(15).div(100), 2)
  Object.assign(item, {
    billingCodeID: REMOTE_SUPPORT,
    quantity: Number(plan.quantity),
    rate: Number(plan.rate),
    extendedPrice: net.toNumber(),
    taxDollars: tax.toNumber(),
    purchaseOrderNumber: plan.poNumber,
  })
  Object.assign(invoice, {
    invoiceTotal: net.add(tax).toNumber(),
    totalTaxValue: tax.toNumber(),
    orderNumber: plan.poNumber,
  })
  return invoice as {
    id: number
    invoiceNumber: string
    invoiceDateTime: string
    invoiceTotal: number
  }
}

function companyNamed(world: World, name: string) {
  const company = [...world.autotask.state.tables.Companies.values()].find(
    (c) => c.companyName === name
  )
  if (!company) throw new Error(`No sandbox company "${name}"`)
  return company as { id: number; companyName: string }
}

async function recordOf(world: World, autotaskId: number) {
  return InvoiceRecord.query()
    .where('product_id', world.product.id)
    .where('autotask_id', autotaskId)
    .firstOrFail()
}

function xeroInvoices(world: World): SandboxInvoice[] {
  return world.xero.state.invoices(NZ).filter((invoice) => invoice.Type === 'ACCREC')
}

function xeroInvoice(world: World, invoiceId: string | null) {
  const found = xeroInvoices(world).find((invoice) => invoice.InvoiceID === invoiceId)
  if (!found) throw new Error(`Xero holds no invoice ${invoiceId}`)
  return found
}

async function xeroNumbering(world: World) {
  const product = await Product.findOrFail(world.product.id)
  product.settings = { ...(product.settings ?? {}), numbering: 'xero', referenceFromPoNumber: true }
  await product.save()
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

/** A sales invoice typed into Xero (or sent there) with what is given, through the real SDK. */
async function plantInXero(
  world: World,
  input: Omit<XeroInvoiceInput, 'type' | 'lineAmountTypes'>
) {
  const product = await Product.findOrFail(world.product.id)
  const invoice: XeroInvoiceInput = { type: 'ACCREC', lineAmountTypes: 'Exclusive', ...input }
  const [result] = await world.stack.gateway.createInvoices(xeroConnectionOf(product), [invoice])
  if (!result.ok) throw new Error(`Xero refused the planted invoice: ${result.messages.join(' ')}`)
  return result.value
}

/** A copy of a synced invoice's Xero document, in `status`, carrying the record's marker: what a late write leaves. */
async function plantCopy(world: World, record: InvoiceRecord, status: 'DRAFT' | 'AUTHORISED') {
  const original = xeroInvoice(world, record.xeroInvoiceId)
  return plantInXero(world, {
    contact: { contactId: original.Contact.ContactID },
    reference: original.Reference,
    date: new Date(original.Date).toISOString().slice(0, 10),
    status,
    lineItems: original.LineItems.map((line) => ({
      description: line.Description,
      quantity: String(line.Quantity),
      unitAmount: String(line.UnitAmount),
      accountCode: line.AccountCode,
      taxType: line.TaxType,
    })),
    url: invoiceMarker(record),
  })
}

/**
 * Worker A runs until its batch write has left it, and stalls there: Xero gets the write only on `arrive()`.
 * `batchCut` gives the stalled write another payload's key, as when the two workers cut the batch apart.
 */
async function stalledWorker(world: World, options: { batchCut?: string } = {}) {
  const real = world.stack.gateway
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  let left!: () => void
  const hasLeft = new Promise<void>((resolve) => (left = resolve))
  let stallNext = true
  const stalling = Object.create(real) as XeroGateway
  stalling.createInvoices = async (product, invoices, writeOptions) => {
    if (!stallNext) return real.createInvoices(product, invoices, writeOptions)
    stallNext = false
    left()
    await held
    return real.createInvoices(
      product,
      invoices,
      options.batchCut ? { idempotencyKey: options.batchCut } : writeOptions
    )
  }
  app.container.swap(XeroGateway, () => stalling)
  // A stops there but for that write. Its other lanes were still claiming as the write left: a claim
  // under way is let finish, none starts after. (Otherwise one could land in B's sweep, take back a
  // record the sweep had just freed, and cut B's batch apart from A's: seen once in 30 runs on MySQL.)
  const leases = await app.container.make(LeaseService)
  const underWay = new Set<Promise<unknown>>()
  let stopped = false
  const stopping = Object.create(leases) as LeaseService
  stopping.claim = (...args) => {
    if (stopped) return Promise.resolve({ token: 'stopped', ids: [] })
    const claim = leases.claim(...args)
    underWay.add(claim)
    return claim
  }
  app.container.swap(LeaseService, () => stopping)
  const run = world.run()
  await hasLeft
  stopped = true
  await Promise.allSettled(underWay)
  app.container.restore(LeaseService)
  return {
    async arrive() {
      release()
      await run
    },
  }
}

/** A is stopped: its run lock and its leases expire, and worker B takes the invoices over and syncs them. */
async function takeOver(world: World) {
  await lockManager.createLock(`sync:product:${world.product.id}`).forceRelease()
  world.clock.advance({ seconds: syncConfig.leaseSeconds + 60 })
  await succeeded(world)
  const { invoices, creditNotes } = await syncedByXeroType(world.product.id)
  // The seed's negative invoice went to Xero once, as a credit note.
  assertOneCreditNoteEach(world.xero.state.organisation(NZ)!, creditNotes, 1)
  return invoices
}

test.group('Look-up before create: only ever the same Autotask invoice', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld(PATIENT)
    return () => world.close()
  })

  test("with Xero's numbering and the PO number as reference, an invoice sharing another's PO number gets its own Xero invoice", async ({
    assert,
  }) => {
    await xeroNumbering(world)
    const muller = companyNamed(world, 'Müller & Söhne GmbH').id
    const first = addInvoice(world, {
      companyId: muller,
      quantity: '1',
      rate: '120.00',
      poNumber: 'PO-4711',
    })
    await succeeded(world)
    const firstRecord = await recordOf(world, first.id)
    assert.equal(firstRecord.status, 'synced')

    // The second invoice is unlinked, so Xero's numbering sends it through the look-up by reference.
    const second = addInvoice(world, {
      companyId: muller,
      quantity: '2',
      rate: '80.00',
      poNumber: 'PO-4711',
    })
    await succeeded(world)
    const secondRecord = await recordOf(world, second.id)
    assert.equal(secondRecord.status, 'synced', secondRecord.faultReason ?? '')
    assert.notEqual(
      secondRecord.xeroInvoiceId,
      firstRecord.xeroInvoiceId,
      'linked to its own Xero invoice'
    )

    const shared = xeroInvoices(world).filter((invoice) => invoice.Reference === 'PO-4711')
    assert.lengthOf(shared, 2)
    assert.equal(
      xeroInvoice(world, firstRecord.xeroInvoiceId).Total,
      138,
      'the first invoice is untouched in Xero'
    )
    assert.equal(xeroInvoice(world, secondRecord.xeroInvoiceId).Total, 184)
    const line = await SyncLog.query()
      .where('invoice_record_id', secondRecord.id)
      .where('event', 'invoice.synced')
      .firstOrFail()
    assert.notInclude(line.message, 'found in Xero')
  }).timeout(60_000)

  test('an unmarked Xero invoice is linked only when contact, date and total agree; two that do are ambiguous and fault', async ({
    assert,
  }) => {
    await xeroNumbering(world)
    const muller = companyNamed(world, 'Müller & Söhne GmbH')
    await succeeded(world)
    const ambiguous = addInvoice(world, {
      companyId: muller.id,
      quantity: '2',
      rate: '80.00',
      poNumber: 'PO-9000',
    })
    const typed = addInvoice(world, {
      companyId: muller.id,
      quantity: '1',
      rate: '50.00',
      poNumber: 'PO-9001',
    })
    const other = addInvoice(world, {
      companyId: muller.id,
      quantity: '3',
      rate: '10.00',
      poNumber: 'PO-9001',
    })

    // Typed into Xero by hand (no marker): two copies that fit the first, one that fits the second.
    const copy = (
      invoice: ReturnType<typeof addInvoice>,
      quantity: string,
      rate: string,
      reference: string
    ) =>
      plantInXero(world, {
        contact: { name: muller.companyName },
        reference,
        date: invoice.invoiceDateTime.slice(0, 10),
        status: 'DRAFT',
        lineItems: [
          {
            description: 'Typed by hand',
            quantity,
            unitAmount: rate,
            accountCode: '200',
            taxType: 'OUTPUT2',
          },
        ],
      })
    const twins = [
      await copy(ambiguous, '2', '80.00', 'PO-9000'),
      await copy(ambiguous, '1', '160.00', 'PO-9000'),
    ]
    const single = await copy(typed, '1', '50.00', 'PO-9001')
    const before = xeroInvoices(world).length

    await succeeded(world)
    const ambiguousRecord = await recordOf(world, ambiguous.id)
    assert.equal(ambiguousRecord.status, 'fault')
    assert.equal(
      ambiguousRecord.faultReason,
      `Xero holds 2 invoices that could be this one (${twins.map((t) => t.invoiceNumber).join(', ')}): ` +
        'none was linked and nothing was created.'
    )
    const typedRecord = await recordOf(world, typed.id)
    assert.equal(typedRecord.status, 'synced', typedRecord.faultReason ?? '')
    assert.equal(
      typedRecord.xeroInvoiceId,
      single.invoiceId,
      'the one that agrees is linked, not copied'
    )
    const otherRecord = await recordOf(world, other.id)
    assert.equal(otherRecord.status, 'synced')
    assert.notEqual(
      otherRecord.xeroInvoiceId,
      single.invoiceId,
      'same reference, other total: its own invoice'
    )
    assert.lengthOf(xeroInvoices(world), before + 1, 'only the invoice nothing fitted was created')
  }).timeout(60_000)
})

test.group('A write that arrives late', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld(PATIENT)
    // Closing the world also puts back the gateway a stalled worker swapped in.
    return () => world.close()
  })

  test('the same batch sent by two workers (a stalled one, then the one that took it over) makes one set of invoices', async ({
    assert,
  }) => {
    await xeroNumbering(world)
    const workerA = await stalledWorker(world)
    const synced = await takeOver(world)
    assert.lengthOf(synced, 21, 'every invoice of the seed that can sync')
    assert.lengthOf(xeroInvoices(world), synced.length)

    await workerA.arrive()
    assert.lengthOf(xeroInvoices(world), synced.length, 'the late write made no copies')
    const creates = world.xero.state.requestLog.filter(
      (entry) => entry.method === 'PUT' && entry.path.endsWith('/Invoices')
    )
    assert.lengthOf(creates, 2)
    assert.equal(creates[0].idempotencyKey, creates[1].idempotencyKey)
    assert.isTrue(creates[1].replayed, "Xero answered the late write with the first send's answer")
    assert.deepEqual(world.xero.state.violations, [])
    for (const record of synced) {
      assert.equal(xeroInvoice(world, record.xeroInvoiceId).Url, invoiceMarker(record))
    }
  }).timeout(90_000)

  test('a late write of a batch cut otherwise leaves copies: the next run deletes them and keeps the linked ones', async ({
    assert,
  }) => {
    await xeroNumbering(world)
    const workerA = await stalledWorker(world, { batchCut: 'another-batch' })
    const synced = await takeOver(world)
    await workerA.arrive()
    const live = () => xeroInvoices(world).filter((invoice) => invoice.Status !== 'DELETED')
    assert.lengthOf(live(), 2 * synced.length, 'the late write did reach Xero')

    const run = await succeeded(world)
    assert.lengthOf(live(), synced.length)
    for (const record of synced) {
      assert.notEqual(
        xeroInvoice(world, record.xeroInvoiceId).Status,
        'DELETED',
        'the linked invoice stays'
      )
    }
    const removed = await SyncLog.query()
      .where('sync_run_id', run.id)
      .where('event', 'invoice.orphan_removed')
    assert.lengthOf(removed, synced.length)
    // The copies were found in a listing without lines (summaryOnly): the orphan pass needs none. (Its
    // listing is the one with a page and no filter: the payment check's and the look-ups have a `where`.)
    const scans = world.xero.state.requestLog.filter(
      (entry) =>
        entry.method === 'GET' &&
        entry.path.endsWith('/Invoices') &&
        entry.query.page &&
        !entry.query.where
    )
    assert.isAbove(scans.length, 0)
    for (const scan of scans) assert.equal(scan.query.summaryOnly, 'true')
  }).timeout(90_000)

  test('copies in Xero that no record links are deleted or voided while Xero allows; a paid one is kept and shown on Sync Logs', async ({
    assert,
    client,
  }) => {
    await xeroNumbering(world)
    await succeeded(world)
    const [draftOf, approvedOf, paidOf] = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'synced')
      .whereNull('xero_type')
      .orderBy('id')
      .limit(3)
    const draft = await plantCopy(world, draftOf, 'DRAFT')
    const approved = await plantCopy(world, approvedOf, 'AUTHORISED')
    const paid = await plantCopy(world, paidOf, 'AUTHORISED')
    await knob(world.xero, '/invoices/pay', { invoice: paid.invoiceId })
    const count = xeroInvoices(world).length
    const linkedStatus = xeroInvoice(world, draftOf.xeroInvoiceId).Status

    world.clock.advance({ minutes: 30 })
    const run = await succeeded(world)
    assert.equal(xeroInvoice(world, draft.invoiceId).Status, 'DELETED')
    assert.equal(xeroInvoice(world, approved.invoiceId).Status, 'VOIDED')
    assert.equal(xeroInvoice(world, paid.invoiceId).Status, 'PAID')
    for (const record of [draftOf, approvedOf, paidOf]) {
      assert.equal(
        xeroInvoice(world, record.xeroInvoiceId).Status,
        linkedStatus,
        'the linked invoice stays'
      )
    }
    assert.lengthOf(xeroInvoices(world), count)

    const removed = await SyncLog.query()
      .where('sync_run_id', run.id)
      .where('event', 'invoice.orphan_removed')
      .orderBy('id')
    assert.deepEqual(
      removed.map((line) => [line.invoiceRecordId, line.level]),
      [
        [draftOf.id, 'info'],
        [approvedOf.id, 'info'],
      ]
    )
    const copyOf = (copy: { invoiceNumber: string | null }, record: InvoiceRecord) =>
      `Xero invoice ${copy.invoiceNumber} is a second copy of invoice ${record.invoiceNumber}`
    assert.include(removed[0].message, copyOf(draft, draftOf))
    assert.include(removed[0].message, 'deleted in Xero')
    assert.include(removed[1].message, 'voided in Xero')
    const [kept] = await SyncLog.query()
      .where('sync_run_id', run.id)
      .where('event', 'invoice.orphan_kept')
    assert.equal(kept.level, 'error')
    assert.equal(kept.autotaskId, paidOf.autotaskId)
    assert.include(kept.message, copyOf(paid, paidOf))
    assert.include(kept.message, 'it is paid, so Xero does not let us remove it')

    const product = await Product.findOrFail(world.product.id)
    const owner = await UserFactory.merge({ accountId: product.accountId, role: 'owner' }).create()
    const page = await client
      .get(`/products/${product.id}/logs`)
      .qs({ autotaskId: paidOf.autotaskId, level: 'error' })
      .loginAs(owner)
    page.assertStatus(200)
    page.assertTextIncludes(copyOf(paid, paidOf))

    // The next pass reads only what changed since this one (the clock moves past it).
    world.clock.advance({ minutes: 30 })
    await succeeded(world)
    assert.lengthOf(
      await SyncLog.query().where('event', 'invoice.orphan_kept'),
      1,
      'shown once, not on every run'
    )
    assert.deepEqual(world.xero.state.violations, [], 'every request the official contract allows')
  }).timeout(60_000)
})

test.group('node ace sync:orphans', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld(PATIENT)
    return () => world.close()
  })

  test('removes a stray copy on demand, looking back as far as asked, and says what it did', async ({
    assert,
  }) => {
    await xeroNumbering(world)
    await succeeded(world)
    const [record] = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'synced')
      .limit(1)
    const copy = await plantCopy(world, record, 'DRAFT')

    const today = new Date().toISOString().slice(0, 10)
    const command = aceProcess(world, [
      'sync:orphans',
      `--product=${world.product.id}`,
      `--since=${today}`,
    ])
    const code = await exitWithin(command.child, 60_000)
    assert.equal(code, 0, command.output())
    assert.include(
      command.output(),
      `Product #${world.product.id} Sandbox Books: 1 stray copy of invoices removed from Xero, 0 kept`
    )
    assert.equal(xeroInvoice(world, copy.invoiceId).Status, 'DELETED')
    assert.notEqual(xeroInvoice(world, record.xeroInvoiceId).Status, 'DELETED')
    const [line] = await SyncLog.query().where('event', 'invoice.orphan_removed')
    assert.equal(line.invoiceRecordId, record.id)
  }).timeout(90_000)
})

test.group('Xero sandbox: Idempotency-Key', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld(PATIENT)
    return () => world.close()
  })

  test('a key is answered with the first answer for 24 hours, then it is a new request', async ({
    assert,
  }) => {
    await succeeded(world)
    const [record] = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'synced')
      .limit(1)
    const contactId = xeroInvoice(world, record.xeroInvoiceId).Contact.ContactID
    const product = await Product.findOrFail(world.product.id)
    const send = async () => {
      const line = {
        description: 'Support',
        quantity: '1',
        unitAmount: '10.00',
        accountCode: '200',
        taxType: 'OUTPUT2',
      }
      const invoice: XeroInvoiceInput = {
        type: 'ACCREC',
        contact: { contactId },
        lineItems: [line],
      }
      const [result] = await world.stack.gateway.createInvoices(
        xeroConnectionOf(product),
        [invoice],
        {
          idempotencyKey: 'same-batch',
        }
      )
      return result.ok ? result.value.invoiceId : null
    }
    const first = await send()
    assert.equal(await send(), first)
    await knob(world.xero, '/clock', { advanceSeconds: 23 * 3600 })
    assert.equal(await send(), first, 'still within 24 hours')
    await knob(world.xero, '/clock', { advanceSeconds: 3600 })
    const later = await send()
    assert.isString(later)
    assert.notEqual(later, first, 'a day later the key is forgotten, as Xero does')
  }).timeout(60_000)
})
