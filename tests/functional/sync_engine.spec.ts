import { test } from '@japa/runner'
import { Assert } from '@japa/assert'
import { resetDatabase } from '#tests/helpers/database'
import { enablePurchaseOrders, startSyncWorld } from '#tests/helpers/sync_world'
import { knob } from '#tests/helpers/xero_sandbox'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import Link from '#models/link'
import PurchaseOrderRecord from '#models/purchase_order_record'
import SyncLog from '#models/sync_log'
import app from '@adonisjs/core/services/app'
import emitter from '@adonisjs/core/services/emitter'
import RecordStatusService from '#services/record_status_service'
import DiagnosticTrace from '#sync/diagnostic_trace'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import {
  assertOneCreditNoteEach,
  assertRecordStatus,
  syncedByXeroType,
} from '#tests/helpers/assertions'
import syncConfig from '#config/sync'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

async function xeroInvoices(world: World) {
  return world.xero.state
    .invoices(XERO_SANDBOX_TENANTS.nz.tenantId)
    .filter((invoice: any) => invoice.Type === 'ACCREC')
}

/** Every synced record is one Xero document: an invoice, or (a negative one) a credit note. */
async function assertEachSyncedOnceInXero(
  world: World,
  note = 'one Xero invoice per synced invoice'
) {
  const { invoices, creditNotes } = await syncedByXeroType(world.product.id)
  new Assert().lengthOf(await xeroInvoices(world), invoices.length, note)
  assertOneCreditNoteEach(world.xero.state.organisation(NZ)!, creditNotes, creditNotes.length)
}

async function byStatus(world: World) {
  const records = await InvoiceRecord.query().where('product_id', world.product.id)
  const groups: Record<string, InvoiceRecord[]> = {}
  for (const record of records) (groups[record.status] ??= []).push(record)
  return groups
}

test.group('Sync engine against the sandboxes', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld()
    return () => world.close()
  })

  test('a run syncs each numbered invoice once, skips and faults with reasons, and a second run adds nothing', async ({
    assert,
  }) => {
    const outcome = await world.run()
    assert.isTrue(outcome.started)
    const run = outcome.run!
    assert.equal(run.state, 'succeeded', run.error ?? '')

    const groups = await byStatus(world)
    // The seed (30 invoices) holds 21 that can sync as invoices, and one negative one: a credit note.
    const { invoices: synced, creditNotes } = await syncedByXeroType(world.product.id)
    assert.lengthOf(groups.synced ?? [], synced.length + creditNotes.length)
    assert.lengthOf(synced, 21)
    assertOneCreditNoteEach(world.xero.state.organisation(NZ)!, creditNotes, 1)
    const inXero = await xeroInvoices(world)
    assert.lengthOf(inXero, synced.length, 'one Xero invoice per synced invoice')
    const xeroIds = new Set(inXero.map((invoice: any) => invoice.InvoiceID))
    for (const record of synced) {
      assert.isTrue(
        xeroIds.has(record.xeroInvoiceId!),
        `invoice ${record.invoiceNumber} is in Xero`
      )
      const xeroInvoice = inXero.find((invoice: any) => invoice.InvoiceID === record.xeroInvoiceId)!
      assert.equal(xeroInvoice.InvoiceNumber, record.invoiceNumber)
      assert.equal(
        Number(xeroInvoice.Total).toFixed(2),
        record.total.toFixed(2),
        `total of ${record.invoiceNumber}`
      )
    }

    const faults = groups.fault ?? []
    assert.isTrue(
      faults.some((r) => r.faultReason === 'Tax region "VAT UK" is not mapped to a Xero tax rate.')
    )
    assert.isFalse(faults.some((r) => r.faultReason?.startsWith('The invoice total is negative')))
    assert.isTrue((groups.skipped ?? []).length >= 1, 'voided / zero invoices are skipped')
    assert.isTrue(
      (groups.pending ?? []).every((r) => r.invoiceNumber === null),
      'only unnumbered invoices still wait'
    )

    const counts = run.stats!
    assert.equal(counts.invoicesSynced, synced.length + creditNotes.length)
    assert.equal(counts.invoicesFaulted, faults.length)

    const product = await Product.findOrFail(world.product.id)
    assert.isNotNull(product.invoiceCursor)
    assert.equal(product.autotaskHealth, 'ok')
    assert.equal(product.xeroHealth, 'ok')
    const runLog = await SyncLog.query()
      .where('sync_run_id', run.id)
      .where('event', 'run.finished')
      .firstOrFail()
    assert.include(runLog.message, `${synced.length + creditNotes.length} synced`)

    const second = await world.run()
    assert.equal(second.run!.state, 'succeeded')
    assert.lengthOf(await xeroInvoices(world), synced.length, 'no duplicates on the second run')
    assertOneCreditNoteEach(world.xero.state.organisation(NZ)!, creditNotes, 1)
    assert.equal(second.run!.stats!.invoicesDiscovered, 0)
  }).timeout(60_000)

  test('new invoices of a later billing run are discovered after the cursor and synced', async ({
    assert,
  }) => {
    await world.run()
    const before = (await xeroInvoices(world)).length
    await fetch(`${world.autotask.knobsUrl}/billing-runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ invoices: 3, companyIds: [] }),
    })
    const run = (await world.run()).run!
    assert.equal(run.stats!.invoicesDiscovered, 3)
    assert.equal(run.stats!.invoicesSynced + run.stats!.invoicesFaulted, 3)
    assert.isAbove(run.stats!.invoicesSynced, 0)
    assert.lengthOf(await xeroInvoices(world), before + run.stats!.invoicesSynced)
  }).timeout(60_000)

  test('resync of a synced invoice updates it in place; of a paid one faults and changes nothing', async ({
    assert,
  }) => {
    await world.run()
    const [first, second] = (await syncedByXeroType(world.product.id)).invoices
    const statuses = await app.container.make(RecordStatusService)
    await knob(world.xero, '/invoices/pay', { invoice: second.xeroInvoiceId })
    await InvoiceRecord.query()
      .where('id', first.id)
      .update({ autotask_html: '<p>the copy from before</p>' })
    await statuses.apply('invoice', first, 'resync', 'tester')
    await statuses.apply('invoice', second, 'resync', 'tester')
    const countBefore = (await xeroInvoices(world)).length

    await world.run()
    const updated = await InvoiceRecord.findOrFail(first.id)
    assert.equal(updated.status, 'synced')
    assert.equal(updated.xeroInvoiceId, first.xeroInvoiceId, 'same Xero invoice')
    assert.isNull(
      updated.autotaskHtml,
      'the old HTML copy is dropped, to be fetched again when viewed'
    )
    const paid = await InvoiceRecord.findOrFail(second.id)
    assert.equal(paid.status, 'fault')
    assert.include(paid.faultReason!, 'is paid, and Xero does not allow changing it')
    assert.lengthOf(await xeroInvoices(world), countBefore, 'nothing created')
    const refreshed = await SyncLog.query()
      .where('invoice_record_id', first.id)
      .where('event', 'invoice.refreshed')
    assert.lengthOf(refreshed, 1, 'the resynced invoice was downloaded again')
  }).timeout(60_000)

  test('an invoice already in Xero but not linked (a crash after Xero answered) is found by number, not duplicated', async ({
    assert,
  }) => {
    await world.run()
    const [record] = (await syncedByXeroType(world.product.id)).invoices
    // Forget the link, as if the worker died between Xero's answer and our commit.
    await InvoiceRecord.query()
      .where('id', record.id)
      .update({ status: 'pending', xero_invoice_id: null, xero_invoice_number: null })
    await Link.query()
      .where('product_id', world.product.id)
      .where('kind', 'invoice')
      .where('autotask_id', record.autotaskId)
      .delete()
    const countBefore = (await xeroInvoices(world)).length

    await world.run()
    const relinked = await InvoiceRecord.findOrFail(record.id)
    assert.equal(relinked.status, 'synced')
    assert.equal(relinked.xeroInvoiceId, record.xeroInvoiceId)
    assert.lengthOf(await xeroInvoices(world), countBefore)
    const line = await SyncLog.query()
      .where('invoice_record_id', record.id)
      .where('event', 'invoice.synced')
      .orderBy('id', 'desc')
      .firstOrFail()
    assert.include(line.message, 'found in Xero by number')
  }).timeout(60_000)

  test('a 429 storm: the engine waits as long as Xero asks, spends no attempt, and sends each invoice once', async ({
    assert,
  }) => {
    await knob(world.xero, '/faults', {
      kind: 429,
      count: 3,
      path: '/Invoices',
      method: 'PUT',
      problem: 'minute',
      retryAfter: 1,
    })
    const run = (await world.run()).run!
    assert.equal(run.state, 'succeeded')
    const groups = await byStatus(world)
    assert.isTrue(
      (groups.pending ?? []).every((r) => r.invoiceNumber === null),
      'nothing numbered is left waiting'
    )
    assert.isTrue(
      groups.synced.every((r) => r.attempts === 0),
      'a rate limit is not a failed attempt'
    )
    const { invoices, creditNotes } = await syncedByXeroType(world.product.id)
    assert.lengthOf(groups.synced, invoices.length + creditNotes.length)
    assert.lengthOf(await xeroInvoices(world), invoices.length, 'none doubled')
    assertOneCreditNoteEach(world.xero.state.organisation(NZ)!, creditNotes, 1)
    const notes = await SyncLog.query()
      .where('sync_run_id', run.id)
      .where('event', 'run.rate_limited')
      .orderBy('id')
    assert.lengthOf(notes, 1, 'one line for the batch, not one per invoice')
    assert.equal(
      notes[0].message,
      "Waited 3 s for Xero's per-minute rate limit (3 times), as Xero asked; no attempt counted"
    )
    assert.lengthOf(
      await SyncLog.query().where('sync_run_id', run.id).where('event', 'invoice.retry'),
      0
    )
  }).timeout(60_000)

  test("Xero's daily limit: the push stops, and the invoices wait until Xero allows it without spending attempts", async ({
    assert,
  }) => {
    await knob(world.xero, '/faults', {
      kind: 429,
      count: 1,
      path: '/Invoices',
      method: 'PUT',
      problem: 'day',
      retryAfter: 7200,
    })
    const run = (await world.run()).run!
    assert.equal(run.state, 'waiting', 'a wait Xero asks for is no failure: the run ends waiting')
    const waiting = (await byStatus(world)).pending.filter((r) => r.invoiceNumber !== null)
    assert.isAbove(waiting.length, 0)
    const due = world.clock.now().plus({ seconds: 7200 })
    for (const record of waiting) {
      assert.equal(record.attempts, 0)
      assert.isAtMost(Math.abs(record.nextAttemptAt!.diff(due).as('seconds')), 5)
    }
    const note = await SyncLog.query()
      .where('sync_run_id', run.id)
      .where('event', 'run.rate_limited')
      .firstOrFail()
    assert.include(note.message, "Xero's daily rate limit reached")
    assert.include(note.message, `waiting until ${due.toFormat('yyyy-LL-dd HH:mm')} UTC`)

    const synced = (await xeroInvoices(world)).length
    await world.run()
    assert.lengthOf(await xeroInvoices(world), synced, 'not due yet: nothing sent')

    world.clock.advance({ hours: 3 })
    await world.run()
    const groups = await byStatus(world)
    assert.isTrue((groups.pending ?? []).every((r) => r.invoiceNumber === null))
    await assertEachSyncedOnceInXero(world)
  }).timeout(60_000)

  test('a revoked Xero connection stops the run, marks Xero unhealthy and keeps every invoice', async ({
    assert,
  }) => {
    const product = await Product.findOrFail(world.product.id)
    await knob(world.xero, '/tokens/revoke', {
      refreshToken: product.xeroTokens!.refreshToken,
      wholeGrant: true,
    })
    await knob(world.xero, '/tokens/expire')

    const run = (await world.run()).run!
    assert.equal(run.state, 'failed')
    const after = await Product.findOrFail(world.product.id)
    assert.equal(after.xeroHealth, 'error')
    assert.isNotNull(after.xeroHealthMessage)
    const records = await InvoiceRecord.query().where('product_id', world.product.id)
    assert.isTrue(
      records.every((r) => r.status !== 'processing'),
      'no claim left behind'
    )
    assert.lengthOf(await xeroInvoices(world), 0)
  }).timeout(60_000)

  test('two runs of one product at once: one runs, the other is told it is running', async ({
    assert,
  }) => {
    const [a, b] = await Promise.all([world.run(), world.run()])
    assert.deepEqual([a.started, b.started].sort(), [false, true])
    const refused = a.started ? b : a
    assert.equal(
      (refused as { reason: string }).reason,
      'A sync of this product is already running.'
    )
  }).timeout(60_000)
})

test.group('Sync engine: matching what is already in Xero', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld()
    return () => world.close()
  })

  test('a company whose Xero contact differs only in case, spacing and invisible characters is linked, not duplicated', async ({
    assert,
  }) => {
    const invoices = [...world.autotask.state.tables.Invoices.values()] as any[]
    const companyId = invoices.find(
      (invoice) => invoice.invoiceNumber && !invoice.isVoided
    )!.companyID
    const company = world.autotask.state.tables.Companies.get(companyId) as any
    const lookalike = `  ${company.companyName.toUpperCase().replace(' ', '\u200B  ')} `
    const [created] = await world.stack.gateway.createContacts(xeroConnectionOf(world.product), [
      { name: lookalike },
    ])
    assert.isTrue(created.ok)

    await world.run()
    const link = await Link.query()
      .where('product_id', world.product.id)
      .where('kind', 'company_contact')
      .where('autotask_id', companyId)
      .firstOrFail()
    assert.equal(link.xeroId, (created as any).value.contactId)
    const linked = await SyncLog.query()
      .where('product_id', world.product.id)
      .where('event', 'contact.linked')
      .where('message', 'like', '%matched by name%')
    assert.lengthOf(linked, 1)
  }).timeout(60_000)

  test("with Xero's own numbering, an unlinked invoice is found again by its reference", async ({
    assert,
  }) => {
    const product = await Product.findOrFail(world.product.id)
    product.settings = {
      ...(product.settings ?? {}),
      numbering: 'xero',
      referenceFromPoNumber: false,
    }
    await product.save()
    await world.run()
    const [record] = (await syncedByXeroType(world.product.id)).invoices
    assert.notEqual(record.xeroInvoiceNumber, record.invoiceNumber, 'Xero numbered it')
    await InvoiceRecord.query()
      .where('id', record.id)
      .update({ status: 'pending', xero_invoice_id: null })
    const countBefore = (await xeroInvoices(world)).length

    await world.run()
    assert.equal((await InvoiceRecord.findOrFail(record.id)).xeroInvoiceId, record.xeroInvoiceId)
    assert.lengthOf(await xeroInvoices(world), countBefore)
    const line = await SyncLog.query()
      .where('invoice_record_id', record.id)
      .where('event', 'invoice.synced')
      .orderBy('id', 'desc')
      .firstOrFail()
    assert.include(line.message, 'found in Xero by reference')
  }).timeout(60_000)
})

test.group('Sync engine: purchase orders', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ autotask: { purchaseOrders: 20 } })
    return () => world.close()
  })

  const enable = (documentType: 'PURCHASEORDER' | 'BILL') =>
    enablePurchaseOrders(world.product.id, documentType)

  test('submitted POs reach Xero as purchase orders once the invoices are done, once only', async ({
    assert,
  }) => {
    await enable('PURCHASEORDER')
    const run = (await world.run()).run!
    assert.equal(run.state, 'succeeded', run.error ?? '')
    const records = await PurchaseOrderRecord.query().where('product_id', world.product.id)
    assert.isAbove(records.length, 0)
    assert.isTrue(records.every((r) => r.autotaskStatus === 2))
    const synced = records.filter((r) => r.status === 'synced')
    assert.lengthOf(synced, records.length, records.map((r) => r.faultReason).join('; '))
    assert.isTrue(synced.every((r) => r.xeroDocumentType === 'PURCHASEORDER' && r.xeroDocumentId))
    assert.equal(run.stats!.purchaseOrdersSynced, synced.length)
    const inXero = world.xero.state.purchaseOrders(XERO_SANDBOX_TENANTS.nz.tenantId)
    assert.lengthOf(inXero, synced.length)

    await world.run()
    assert.lengthOf(
      world.xero.state.purchaseOrders(XERO_SANDBOX_TENANTS.nz.tenantId),
      synced.length,
      'no duplicates'
    )
  }).timeout(60_000)

  test('as bills, and a resynced one is updated in place', async ({ assert }) => {
    await enable('BILL')
    await world.run()
    const [first] = await PurchaseOrderRecord.query()
      .where('product_id', world.product.id)
      .where('status', 'synced')
    assert.equal(first.xeroDocumentType, 'BILL')
    const bills = () =>
      world.xero.state
        .invoices(XERO_SANDBOX_TENANTS.nz.tenantId)
        .filter((i: any) => i.Type === 'ACCPAY')
    const count = bills().length
    const statuses = await app.container.make(RecordStatusService)
    assert.isTrue((await statuses.apply('purchase_order', first, 'resync', 'tester')).ok)
    await world.run()
    const again = await PurchaseOrderRecord.findOrFail(first.id)
    assert.equal(again.status, 'synced')
    assert.equal(again.xeroDocumentId, first.xeroDocumentId)
    assert.lengthOf(bills(), count)
  }).timeout(60_000)

  test('no purchase order is pulled while invoices wait', async ({ assert }) => {
    await enable('PURCHASEORDER')
    await knob(world.xero, '/faults', { kind: 500, count: 50, path: '/Invoices', method: 'PUT' })
    await world.run()
    assert.lengthOf(await PurchaseOrderRecord.query().where('product_id', world.product.id), 0)
  }).timeout(60_000)
})

test.group('Sync engine: Diagnostic Mode', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld()
    return () => world.close()
  })

  test('a trace fetches the invoice afresh, logs each step and the exact payload, and writes nothing to Xero', async ({
    assert,
  }) => {
    await world.run()
    const groups = await byStatus(world)
    const faulted = groups.fault.find((r) => r.faultReason?.includes('VAT UK'))!
    const synced = groups.synced[0]
    const writes = () =>
      (world.xero.state.requestLog as any[]).filter(
        (r) => ['PUT', 'POST'].includes(r.method) && /Invoices|Contacts|CreditNotes/.test(r.path)
      ).length
    const before = { writes: writes(), invoices: (await xeroInvoices(world)).length }
    assert.isAbove(before.writes, 0, 'the first run wrote to Xero')
    const trace = await app.container.make(DiagnosticTrace)

    assert.isTrue((await trace.enter(world.product, faulted, 'staff@example.com')).ok)
    await assertRecordStatus(faulted, 'diagnostic')
    const faultSteps = await SyncLog.query()
      .where('invoice_record_id', faulted.id)
      .where('event', 'diagnostic.trace')
      .orderBy('id')
    assert.isTrue(
      faultSteps.some((l) => l.level === 'debug' && l.message.startsWith('Autotask invoice: {'))
    )
    assert.isTrue(
      faultSteps.some(
        (l) => l.level === 'error' && l.message.includes('Tax region "VAT UK" is not mapped')
      )
    )

    await trace.enter(world.product, synced, 'staff@example.com')
    const steps = await SyncLog.query()
      .where('invoice_record_id', synced.id)
      .where('event', 'diagnostic.trace')
      .orderBy('id')
    const payload = steps.find((l) => l.message.startsWith('Payload Xero would receive'))!
    assert.include(payload.message, `"invoiceNumber":"${synced.invoiceNumber}"`)
    assert.notInclude(payload.message, world.product.xeroTokens!.accessToken)
    assert.isTrue(steps.some((l) => l.message.startsWith('Checks passed')))

    // The seed's negative invoice is traced as the credit note it is in Xero.
    const [credit] = (await syncedByXeroType(world.product.id)).creditNotes
    await trace.enter(world.product, credit, 'staff@example.com')
    const creditSteps = await SyncLog.query()
      .where('invoice_record_id', credit.id)
      .where('event', 'diagnostic.trace')
      .orderBy('id')
    const creditPayload = creditSteps.find((l) =>
      l.message.startsWith('Payload Xero would receive (PUT /CreditNotes')
    )!
    assert.exists(creditPayload, creditSteps.map((l) => l.message).join('\n'))
    assert.include(creditPayload.message, '"type":"ACCRECCREDIT"')
    assert.include(creditPayload.message, `"creditNoteNumber":"${credit.invoiceNumber}"`)
    assert.isTrue(
      creditSteps.some((l) =>
        l.message.includes(
          `the credit note's total ${credit.total.neg().toFixed(2)} is Autotask's ${credit.total.toFixed(2)} as a credit`
        )
      )
    )

    assert.equal(writes(), before.writes, 'no write reached Xero')
    assert.lengthOf(await xeroInvoices(world), before.invoices)
    const released = await app.container.make(RecordStatusService)
    assert.isTrue(
      (
        await released.apply(
          'invoice',
          await InvoiceRecord.findOrFail(synced.id),
          'release',
          'staff'
        )
      ).ok
    )
    await assertRecordStatus(synced, 'synced')
  }).timeout(60_000)
})

test.group('Sync engine: faults that recover', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ autotask: { invoices: 150, companies: 10 } })
    return () => world.close()
  })

  async function waitingAfter(fault: Record<string, unknown>) {
    await knob(world.xero, '/faults', { count: 1, path: '/Invoices', method: 'PUT', ...fault })
    const run = (await world.run()).run!
    assert_(run.state === 'succeeded', run.error ?? '')
    return (await byStatus(world)).pending.filter((r) => r.invoiceNumber !== null)
  }

  test('a Xero 500 and a time-out: the batch waits with back-off, then syncs once', async ({
    assert,
  }) => {
    for (const fault of [{ kind: 500 }, { kind: 'timeout' }]) {
      if (fault.kind === 'timeout') {
        await fetch(`${world.autotask.knobsUrl}/billing-runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ invoices: 5 }),
        })
      }
      const waiting = await waitingAfter(fault)
      assert.isAbove(waiting.length, 0, `the batch that met ${fault.kind} waits`)
      assert.isTrue(waiting.every((r) => r.nextAttemptAt !== null && r.attempts >= 1))
      world.clock.advance({ minutes: 30 })
      await world.run()
      const groups = await byStatus(world)
      assert.isTrue(
        (groups.pending ?? []).every((r) => r.invoiceNumber === null),
        `all sent after ${fault.kind}`
      )
      await assertEachSyncedOnceInXero(world, 'none doubled, even after the time-out')
    }
  }).timeout(90_000)

  test('an access token expiring before the run is refreshed, rotated and saved; the run goes on', async ({
    assert,
  }) => {
    const before = (await Product.findOrFail(world.product.id)).xeroTokens!
    await knob(world.xero, '/tokens/expire')
    const run = (await world.run()).run!
    assert.equal(run.state, 'succeeded', run.error ?? '')
    const after = (await Product.findOrFail(world.product.id)).xeroTokens!
    assert.notEqual(after.refreshToken, before.refreshToken, 'the rotated refresh token was stored')
    assert.lengthOf(
      (await byStatus(world)).synced,
      110,
      'every invoice of the seed (150) that can sync'
    )
  }).timeout(60_000)

  test('pausing a product mid-run stops it at the next batch; nothing half-done', async ({
    assert,
  }) => {
    // More batches than the run keeps in flight at once, so some are still unclaimed when it is paused.
    await fetch(`${world.autotask.knobsUrl}/billing-runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ invoices: 400, companyIds: [] }),
    })
    const pauseOnFirstSync = async () => {
      await Product.query().where('id', world.product.id).update({ status: 'paused' })
    }
    emitter.once('record:synced', pauseOnFirstSync)
    const run = (await world.run()).run!
    assert.equal(run.state, 'cancelled')
    const groups = await byStatus(world)
    assert.isAtMost(
      groups.synced.length,
      syncConfig.batchSize * syncConfig.xeroInFlight,
      'only the batches in flight finished'
    )
    assert.isAbove(
      groups.pending.filter((r) => r.invoiceNumber !== null).length,
      0,
      'the rest waits'
    )
    assert.lengthOf(groups.processing ?? [], 0)
  }).timeout(60_000)
})

function assert_(condition: boolean, message: string) {
  if (!condition) throw new Error(message)
}
