import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import SyncLog from '#models/sync_log'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { DEFAULT_SANDBOX_SCOPE } from '#sandbox/xero/scopes'
import { XERO_SANDBOX_ACCOUNT_CODES } from '#sandbox/xero/seed'
import PaymentCheck from '#sync/payment_check'
import { xeroConnectionOf } from '#sync/product_connections'
import { toSqlDateTime } from '#models/columns'
import app from '@adonisjs/core/services/app'
import { AutotaskClient, autotaskCredentialsOf } from '#integrations/autotask/autotask_client'
import type { XeroInvoiceInput } from '#integrations/xero/xero_gateway'
import { UserFactory } from '#database/factories/user_factory'
import { creditNotesOf } from '#sandbox/xero/credit_notes'
import RecordStatusService from '#services/record_status_service'
import { asBytes } from '#tests/helpers/downloads'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId
const PATIENT = { xeroClient: { timeoutMs: 15_000 } }

/** A person recording payments in Xero (PUT /Payments to the bank account), over HTTP like any client. */
async function payInXero(
  world: World,
  payments: { invoiceId: string; amount: string; date: string }[],
  options: { summarizeErrors?: boolean } = {}
) {
  const { accessToken } = world.xero.state.connect(
    [NZ],
    `${DEFAULT_SANDBOX_SCOPE} accounting.payments`
  )
  const query = options.summarizeErrors === false ? '?summarizeErrors=false' : ''
  const response = await fetch(`${world.xero.apiUrl}/Payments${query}`, {
    method: 'PUT',
    headers: {
      'authorization': `Bearer ${accessToken}`,
      'xero-tenant-id': NZ,
      'content-type': 'application/json',
      'accept': 'application/json',
    },
    body: JSON.stringify({
      Payments: payments.map((payment) => ({
        Invoice: { InvoiceID: payment.invoiceId },
        Account: { Code: XERO_SANDBOX_ACCOUNT_CODES.bank },
        Date: payment.date,
        Amount: Number(payment.amount),
      })),
    }),
  })
  return { status: response.status, body: (await response.json()) as any }
}

async function succeeded(world: World) {
  const outcome = await world.run()
  if (!outcome.started || outcome.run.state !== 'succeeded')
    throw new Error(
      `the run did not succeed: ${outcome.started ? outcome.run.error : outcome.reason}`
    )
  return outcome.run
}

async function approveAll(world: World) {
  const product = await Product.findOrFail(world.product.id)
  product.settings = { ...(product.settings ?? {}), invoiceStatus: 'AUTHORISED' }
  await product.save()
}

function autotaskPatches(world: World) {
  return world.autotask.state.requests.filter((request) => request.method === 'PATCH')
}

function xeroInvoiceOf(world: World, invoiceId: string | null) {
  const found = world.xero.state.invoices(NZ).find((invoice) => invoice.InvoiceID === invoiceId)
  if (!found) throw new Error(`Xero holds no invoice ${invoiceId}`)
  return found
}

async function syncedRecords(world: World) {
  return InvoiceRecord.query()
    .where('product_id', world.product.id)
    .where('status', 'synced')
    .whereNull('xero_type')
    .orderBy('autotask_id')
}

test.group('Payments back to Autotask', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ autotask: { invoices: 6, companies: 4 }, ...PATIENT })
    await approveAll(world)
    return () => world.close()
  })

  test('an invoice paid in full in Xero gets its paid date on the Autotask invoice, once', async ({
    assert,
  }) => {
    await succeeded(world)
    const [record] = await syncedRecords(world)
    assert.exists(record, 'the first run synced invoices')
    const xeroInvoice = xeroInvoiceOf(world, record.xeroInvoiceId)
    assert.equal(xeroInvoice.Status, 'AUTHORISED')

    const paid = await payInXero(world, [
      { invoiceId: xeroInvoice.InvoiceID, amount: String(xeroInvoice.Total), date: '2026-11-20' },
    ])
    assert.equal(paid.status, 200, JSON.stringify(paid.body))
    assert.equal(xeroInvoiceOf(world, record.xeroInvoiceId).Status, 'PAID')

    world.autotask.state.requests = []
    await succeeded(world)
    const patches = autotaskPatches(world)
    assert.lengthOf(patches, 1, 'one Autotask call for the one invoice that became paid')
    assert.deepEqual(patches[0].body, { id: record.autotaskId, paidDate: '2026-11-20T00:00:00Z' })
    const autotaskInvoice = world.autotask.state.tables.Invoices.get(record.autotaskId)!
    assert.equal(autotaskInvoice.paidDate, '2026-11-20T00:00:00.000Z')

    await record.refresh()
    assert.equal(record.paymentState, 'paid')
    assert.equal(record.paidDate?.toISODate(), '2026-11-20')
    assert.equal(record.paymentLabel, 'Paid 2026-11-20')
    assert.equal(
      record.paymentText,
      'Paid on 2026-11-20; the paid date is on the Autotask invoice.'
    )
    const line = await SyncLog.query()
      .where('invoice_record_id', record.id)
      .where('event', 'invoice.paid')
      .firstOrFail()
    assert.include(line.message, 'paid date 2026-11-20 written to the Autotask invoice')

    world.autotask.state.requests = []
    await succeeded(world)
    assert.lengthOf(autotaskPatches(world), 0, 'a paid invoice is not written twice')
    const contract = world.xero.state.violations
    assert.deepEqual(contract, [], 'every request the engine sent matches the Xero contract')
  })

  test('a part payment shows as "Part paid" with the amount due, and writes nothing to Autotask', async ({
    assert,
    client,
  }) => {
    await succeeded(world)
    const [record] = await syncedRecords(world)
    const xeroInvoice = xeroInvoiceOf(world, record.xeroInvoiceId)
    const part = await payInXero(world, [
      { invoiceId: xeroInvoice.InvoiceID, amount: '10.00', date: '2026-11-21' },
    ])
    assert.equal(part.status, 200, JSON.stringify(part.body))
    assert.equal(xeroInvoiceOf(world, record.xeroInvoiceId).Status, 'AUTHORISED')

    world.autotask.state.requests = []
    await succeeded(world)
    assert.lengthOf(autotaskPatches(world), 0)
    assert.isNull(world.autotask.state.tables.Invoices.get(record.autotaskId)!.paidDate ?? null)
    await record.refresh()
    const due = (xeroInvoice.Total * 100 - 1000) / 100
    assert.equal(record.paymentState, 'part_paid')
    assert.equal(record.xeroAmountDue?.toFixed(2), due.toFixed(2))
    const log = await SyncLog.query()
      .where('invoice_record_id', record.id)
      .where('event', 'invoice.part_paid')
      .firstOrFail()
    assert.include(log.message, `10.00 received, ${due.toFixed(2)} still due`)

    const user = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const page = await client.get(`/products/${world.product.id}/invoices`).loginAs(user)
    page.assertStatus(200)
    assert.include(page.text(), `Part paid (due ${due.toFixed(2)})`)
    const dialog = await client
      .get(`/products/${world.product.id}/invoices/${record.id}`)
      .header('HX-Request', 'true')
      .loginAs(user)
    assert.include(
      dialog.text(),
      `Part paid: ${due.toFixed(2)} still due in Xero. Nothing is written to Autotask until it is paid in full.`
    )

    // The rest arrives: now it is paid in full and written.
    const rest = await payInXero(world, [
      { invoiceId: xeroInvoice.InvoiceID, amount: due.toFixed(2), date: '2026-11-25' },
    ])
    assert.equal(rest.status, 200, JSON.stringify(rest.body))
    world.autotask.state.requests = []
    await succeeded(world)
    assert.lengthOf(autotaskPatches(world), 1)
    assert.equal(
      world.autotask.state.tables.Invoices.get(record.autotaskId)!.paidDate,
      '2026-11-25T00:00:00.000Z'
    )
  })

  test('with the setting off, nothing is asked of Xero about payments and nothing is written', async ({
    assert,
  }) => {
    await succeeded(world)
    const [record] = await syncedRecords(world)
    const xeroInvoice = xeroInvoiceOf(world, record.xeroInvoiceId)
    await payInXero(world, [
      { invoiceId: xeroInvoice.InvoiceID, amount: String(xeroInvoice.Total), date: '2026-11-20' },
    ])
    const product = await Product.findOrFail(world.product.id)
    product.settings = { ...(product.settings ?? {}), paymentsToAutotask: false }
    await product.save()

    world.autotask.state.requests = []
    world.xero.state.requestLog = []
    await succeeded(world)
    assert.lengthOf(autotaskPatches(world), 0)
    const asked = world.xero.state.requestLog.filter((entry) => entry.query.Statuses)
    assert.lengthOf(asked, 0)
    await record.refresh()
    assert.isNull(record.paymentState)
  })

  test('Autotask refusing the paid date leaves the invoice "paid in Xero" and it is tried again', async ({
    assert,
  }) => {
    await succeeded(world)
    const [record] = await syncedRecords(world)
    const xeroInvoice = xeroInvoiceOf(world, record.xeroInvoiceId)
    await payInXero(world, [
      { invoiceId: xeroInvoice.InvoiceID, amount: String(xeroInvoice.Total), date: '2026-11-20' },
    ])
    // A person deleted the invoice in Autotask meanwhile: the PATCH is refused.
    const kept = world.autotask.state.tables.Invoices.get(record.autotaskId)!
    world.autotask.state.tables.Invoices.delete(record.autotaskId)
    await succeeded(world)
    await record.refresh()
    assert.equal(record.paymentState, 'paid_unsent')
    const error = await SyncLog.query()
      .where('invoice_record_id', record.id)
      .where('event', 'invoice.paid_not_written')
      .firstOrFail()
    assert.equal(error.level, 'error')
    assert.include(error.message, 'tried again at the next sync')

    world.autotask.state.tables.Invoices.set(record.autotaskId, kept)
    world.autotask.state.requests = []
    await succeeded(world)
    assert.lengthOf(autotaskPatches(world), 1)
    await record.refresh()
    assert.equal(record.paymentState, 'paid')
    assert.equal(kept.paidDate, '2026-11-20T00:00:00.000Z')
  })

  test('the Xero sandbox refuses a payment beyond the amount due or on a draft, and says why', async ({
    assert,
  }) => {
    const product = await Product.findOrFail(world.product.id)
    const [draft, approved] = await world.stack.gateway.createInvoices(
      xeroConnectionOf(product),
      (['DRAFT', 'AUTHORISED'] as const).map((status): XeroInvoiceInput => ({
        type: 'ACCREC',
        contact: { name: 'Payment Test Ltd' },
        status,
        lineAmountTypes: 'Exclusive',
        lineItems: [{ description: 'Work', quantity: '1', unitAmount: '100', accountCode: '200' }],
      }))
    )
    assert.isTrue(draft.ok && approved.ok)
    const ids = [draft, approved].map((result) => (result.ok ? result.value.invoiceId : ''))
    const answer = await payInXero(
      world,
      [
        { invoiceId: ids[0], amount: '10', date: '2026-11-20' },
        { invoiceId: ids[1], amount: '500', date: '2026-11-20' },
        { invoiceId: ids[1], amount: '40', date: '2026-11-20' },
      ],
      { summarizeErrors: false }
    )
    assert.equal(answer.status, 200)
    const [first, second, third] = answer.body.Payments
    assert.include(first.ValidationErrors[0].Message, 'approved (AUTHORISED)')
    assert.equal(
      second.ValidationErrors[0].Message,
      'Payment amount exceeds the amount outstanding on this document'
    )
    assert.equal(third.Invoice.AmountPaid, 40)
    const invoice = xeroInvoiceOf(world, ids[1])
    assert.equal(invoice.AmountDue, invoice.Total - 40)
    assert.equal(invoice.Status, 'AUTHORISED')

    const whole = await payInXero(world, [{ invoiceId: ids[1], amount: '500', date: '2026-11-20' }])
    assert.equal(whole.status, 400)
    assert.equal(whole.body.Type, 'ValidationException')
    assert.deepEqual(world.xero.state.violations, [])
  })
})

test.group('Payments back to Autotask: what a check costs', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ autotask: { invoices: 10, companies: 3 }, ...PATIENT })
    return () => world.close()
  })

  test('1,000 linked invoices are checked in at most 15 Xero calls, and one Autotask call per invoice paid', async ({
    assert,
  }) => {
    const product = await Product.findOrFail(world.product.id)
    const connection = xeroConnectionOf(product)
    const xeroIds: string[] = []
    for (let batch = 0; batch < 20; batch++) {
      const results = await world.stack.gateway.createInvoices(
        connection,
        Array.from({ length: 50 }, (_, index) => ({
          type: 'ACCREC' as const,
          contact: { name: 'Volume Customer Ltd' },
          invoiceNumber: `VOL-${batch * 50 + index + 1}`,
          status: 'AUTHORISED' as const,
          lineAmountTypes: 'Exclusive' as const,
          lineItems: [
            { description: 'Support', quantity: '1', unitAmount: '100', accountCode: '200' },
          ],
        }))
      )
      for (const result of results) {
        if (!result.ok) throw new Error(result.messages.join(' '))
        xeroIds.push(result.value.invoiceId)
      }
    }
    const autotaskIds = [...world.autotask.state.tables.Invoices.keys()]
    const now = toSqlDateTime()
    const anHourAgo = toSqlDateTime(new Date(Date.now() - 3_600_000))
    const rows = xeroIds.map((xeroId, index) => ({
      product_id: product.id,
      autotask_id: autotaskIds[index] ?? 900_000 + index,
      invoice_number: `VOL-${index + 1}`,
      status: 'synced',
      xero_invoice_id: xeroId,
      xero_invoice_number: `VOL-${index + 1}`,
      synced_at: anHourAgo,
      currency: 'NZD',
      created_at: now,
      updated_at: now,
    }))
    // SQLite takes at most 500 rows in one compound INSERT.
    for (let start = 0; start < rows.length; start += 100)
      await db.table('invoice_records').multiInsert(rows.slice(start, start + 100))
    const check = await app.container.make(PaymentCheck)
    const autotask = (await app.container.make(AutotaskClient)).connect(
      autotaskCredentialsOf(product)!
    )

    // An hour later (both clocks), the first check asks about every linked invoice.
    world.xero.state.clock.advance(3_600_000)
    world.clock.advance({ hours: 1 })
    const invoiceReads = () =>
      world.xero.state.requestLog.filter((entry) => entry.path.endsWith('/Invoices'))
    world.xero.state.requestLog = []
    const first = await check.run(product, autotask, world.stack.gateway)
    const firstCalls = invoiceReads().length
    const firstAnswered = invoiceReads().filter((entry) => entry.status === 200).length
    assert.equal(first?.checked, 1000)
    assert.isAtMost(firstCalls, 15)

    // Five of them (with real Autotask invoices) are paid, one part paid.
    const paidNow = await payInXero(world, [
      ...xeroIds.slice(0, 5).map((invoiceId) => ({ invoiceId, amount: '115', date: '2026-11-30' })),
      { invoiceId: xeroIds[5], amount: '15', date: '2026-11-30' },
    ])
    assert.equal(paidNow.status, 200, JSON.stringify(paidNow.body))
    world.xero.state.requestLog = []
    world.autotask.state.requests = []
    const second = await check.run(
      await Product.findOrFail(product.id),
      autotask,
      world.stack.gateway
    )
    const secondCalls = invoiceReads().length
    const patches = autotaskPatches(world)
    assert.isAtMost(secondCalls, 15)
    assert.equal(second?.paid, 5)
    assert.equal(second?.partPaid, 1)
    assert.equal(second?.changed, 6, 'If-Modified-Since: only what changed comes back')
    assert.lengthOf(patches, 5, 'one Autotask call per invoice that became paid')
    assert.equal(secondCalls, world.xero.state.requestLog.length, 'nothing else is asked of Xero')
    for (const entry of invoiceReads()) {
      assert.equal(entry.query.Statuses, 'AUTHORISED,PAID')
    }
    console.log(
      `payments check over 1,000 linked invoices: first ${firstCalls} Xero calls (${firstAnswered} answered 200), next ${secondCalls} Xero calls and ${patches.length} Autotask calls for 5 paid`
    )
    assert.deepEqual(world.xero.state.violations, [])
  })
})

test.group('Payments back to Autotask: a scan of what changed', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ autotask: { invoices: 6, companies: 4 }, ...PATIENT })
    await approveAll(world)
    return () => world.close()
  })

  /** The payment check's reads: GET /Invoices with a Statuses filter (the push's lookups have none). */
  function checkReads() {
    return world.xero.state.requestLog.filter(
      (entry) =>
        entry.method === 'GET' && entry.path.endsWith('/Invoices') && Boolean(entry.query.Statuses)
    )
  }

  async function addOpenInvoices(count: number) {
    const product = await Product.findOrFail(world.product.id)
    const ids: string[] = []
    for (let start = 0; start < count; start += 50) {
      const results = await world.stack.gateway.createInvoices(
        xeroConnectionOf(product),
        Array.from({ length: Math.min(50, count - start) }, () => ({
          type: 'ACCREC' as const,
          contact: { name: 'Somebody Else Ltd' },
          status: 'AUTHORISED' as const,
          lineAmountTypes: 'Exclusive' as const,
          lineItems: [
            { description: 'Their work', quantity: '1', unitAmount: '50', accountCode: '200' },
          ],
        }))
      )
      for (const result of results) {
        if (!result.ok) throw new Error(result.messages.join(' '))
        ids.push(result.value.invoiceId)
      }
    }
    return ids
  }

  test('after a first sync of 250 invoices we created, the check reads one page of what changed (not 3 calls of 100 ids), and a payment on one still reaches Autotask', async ({
    assert,
  }) => {
    world.autotask.state.addBillingRun({ invoices: 244 })
    world.xero.state.requestLog = []
    await succeeded(world)
    const records = await syncedRecords(world)
    assert.isAbove(records.length, 200, 'asked by id, they would take 3 calls')
    assert.isTrue(
      records.every((record) => record.xeroCreatedAt !== null),
      'each invoice our create made knows when'
    )
    const made = xeroInvoiceOf(world, records[0].xeroInvoiceId)
    assert.approximately(
      records[0].xeroCreatedAt!.toMillis(),
      made.UpdatedDateUTC,
      1000,
      "Xero's time of the create, read back as UTC"
    )
    const first = checkReads()
    assert.lengthOf(first, 1, 'ceil(n / 1000) reads, not ceil(n / 100)')
    assert.equal(first[0].query.page, '1')
    assert.equal(first[0].query.pageSize, '1000')
    assert.equal(first[0].query.where, 'Type=="ACCREC"')
    assert.equal(first[0].query.Statuses, 'AUTHORISED,PAID')
    assert.isUndefined(first[0].query.IDs)

    const record = records[137]
    const invoice = xeroInvoiceOf(world, record.xeroInvoiceId)
    const paid = await payInXero(world, [
      { invoiceId: invoice.InvoiceID, amount: String(invoice.Total), date: '2026-11-27' },
    ])
    assert.equal(paid.status, 200, JSON.stringify(paid.body))
    world.xero.state.requestLog = []
    world.autotask.state.requests = []
    await succeeded(world)
    assert.lengthOf(checkReads(), 1, 'one page of what changed since the last check')
    assert.lengthOf(autotaskPatches(world), 1)
    assert.equal(
      world.autotask.state.tables.Invoices.get(record.autotaskId)!.paidDate,
      '2026-11-27T00:00:00.000Z'
    )
    await record.refresh()
    assert.equal(record.paymentState, 'paid')
    assert.deepEqual(world.xero.state.violations, [])
  })

  test('an invoice Xero already held, paid before it was linked, is asked by id and written as paid', async ({
    assert,
  }) => {
    await succeeded(world)
    const [record, other] = await syncedRecords(world)
    // Xero holds an invoice paid long ago: a person typed it there and took the money.
    const [heldId] = await addOpenInvoices(1)
    const held = xeroInvoiceOf(world, heldId)
    const paid = await payInXero(world, [
      { invoiceId: heldId, amount: String(held.Total), date: '2026-11-02' },
    ])
    assert.equal(paid.status, 200, JSON.stringify(paid.body))
    // An hour on (both clocks), a check runs: the payment is older than anything it asks about next time.
    world.xero.state.clock.advance(3_600_000)
    world.clock.advance({ hours: 1 })
    await succeeded(world)

    // Then the record is linked to that invoice by a path other than our create (found by number).
    await InvoiceRecord.query()
      .where('id', record.id)
      .update({
        xero_invoice_id: heldId,
        xero_invoice_number: held.InvoiceNumber,
        xero_created_at: null,
        synced_at: toSqlDateTime(world.clock.now()),
      })
    world.clock.advance({ minutes: 15 })
    world.xero.state.clock.advance(15 * 60_000)
    world.xero.state.requestLog = []
    world.autotask.state.requests = []
    await succeeded(world)

    const patches = autotaskPatches(world)
    assert.deepEqual(
      patches.map((patch) => patch.body),
      [{ id: record.autotaskId, paidDate: '2026-11-02T00:00:00Z' }]
    )
    await record.refresh()
    assert.equal(record.paymentState, 'paid')
    assert.equal(record.paidDate?.toISODate(), '2026-11-02')
    const byId = checkReads().filter((entry) => entry.query.IDs)
    assert.lengthOf(byId, 1)
    assert.equal(byId[0].query.IDs, heldId, 'only the one linked since is asked by id')
    await other.refresh()
    assert.isNull(other.paymentState)
    assert.deepEqual(world.xero.state.violations, [])
  })

  test('when more invoices not ours changed than 100 ids a call would ask, the check asks ours by id after page 1, and a paid one is written', async ({
    assert,
  }) => {
    await succeeded(world)
    const linked = await syncedRecords(world)
    const [record] = linked
    const invoice = xeroInvoiceOf(world, record.xeroInvoiceId)
    await addOpenInvoices(1050)
    const paid = await payInXero(world, [
      { invoiceId: invoice.InvoiceID, amount: String(invoice.Total), date: '2026-11-28' },
    ])
    assert.equal(paid.status, 200, JSON.stringify(paid.body))
    world.xero.state.requestLog = []
    world.autotask.state.requests = []
    await succeeded(world)

    const reads = checkReads()
    assert.lengthOf(reads, 2, 'page 1 of the scan (2 pages) and one call of ids (a few invoices)')
    assert.equal(reads[0].query.page, '1')
    assert.isUndefined(reads[0].query.IDs)
    assert.sameMembers(
      reads[1].query.IDs.split(','),
      linked.map((linkedRecord) => linkedRecord.xeroInvoiceId)
    )
    assert.lengthOf(autotaskPatches(world), 1)
    assert.equal(
      world.autotask.state.tables.Invoices.get(record.autotaskId)!.paidDate,
      '2026-11-28T00:00:00.000Z'
    )
    await record.refresh()
    assert.equal(record.paymentState, 'paid')
    assert.deepEqual(world.xero.state.violations, [])
  })

  test('an invoice linked again to one found in Xero by number forgets that our create made the old one', async ({
    assert,
  }) => {
    await succeeded(world)
    const [record] = await syncedRecords(world)
    assert.isNotNull(record.xeroCreatedAt)
    const linkedTo = record.xeroInvoiceId
    // The link lost (a crash after Xero answered): the next push finds the invoice by its number.
    await InvoiceRecord.query()
      .where('id', record.id)
      .update({ status: 'pending', xero_invoice_id: null, attempts: 1 })
    await succeeded(world)
    await record.refresh()
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    assert.equal(record.xeroInvoiceId, linkedTo)
    assert.isNull(record.xeroCreatedAt, 'found, not created: asked by id until a check has seen it')
    const line = await SyncLog.query()
      .where('invoice_record_id', record.id)
      .where('event', 'invoice.synced')
      .orderBy('id', 'desc')
      .firstOrFail()
    assert.include(line.message, 'found in Xero by number')
  })
})

test.group('Invoices voided in Autotask after they reached Xero', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ autotask: { invoices: 6, companies: 4 }, ...PATIENT })
    return () => world.close()
  })

  async function setStatus(status: 'DRAFT' | 'AUTHORISED', voidsToXero = true) {
    const product = await Product.findOrFail(world.product.id)
    product.settings = { ...(product.settings ?? {}), invoiceStatus: status, voidsToXero }
    await product.save()
  }

  async function voidInAutotask(record: InvoiceRecord) {
    assert(world.autotask.state.voidInvoice(record.autotaskId), 'the Autotask invoice exists')
  }

  function assert(value: unknown, message: string): asserts value {
    if (!value) throw new Error(message)
  }

  async function logOf(record: InvoiceRecord, event: string) {
    return SyncLog.query()
      .where('invoice_record_id', record.id)
      .where('event', event)
      .orderBy('id', 'desc')
      .firstOrFail()
  }

  test('a draft in Xero is deleted, an approved one without payments voided', async ({
    assert: check,
  }) => {
    await setStatus('DRAFT')
    await succeeded(world)
    const [draft] = await syncedRecords(world)
    await setStatus('AUTHORISED')
    const added = world.autotask.state.addBillingRun({ invoices: 1, lines: 1 }).invoiceIds
    await succeeded(world)
    const approved = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('autotask_id', added[0])
      .firstOrFail()
    check.equal(approved.status, 'synced', approved.faultReason ?? '')
    check.equal(xeroInvoiceOf(world, draft.xeroInvoiceId).Status, 'DRAFT')
    check.equal(xeroInvoiceOf(world, approved.xeroInvoiceId).Status, 'AUTHORISED')

    await voidInAutotask(draft)
    await voidInAutotask(approved)
    await succeeded(world)

    check.equal(xeroInvoiceOf(world, draft.xeroInvoiceId).Status, 'DELETED')
    check.equal(xeroInvoiceOf(world, approved.xeroInvoiceId).Status, 'VOIDED')
    await draft.refresh()
    await approved.refresh()
    check.equal(draft.status, 'skipped')
    check.equal(draft.voidState, 'deleted')
    check.equal(approved.status, 'skipped')
    check.equal(approved.voidState, 'voided')
    check.include(
      (await logOf(draft, 'invoice.void_done')).message,
      'deleted in Xero; Skipped Over'
    )
    check.include(
      (await logOf(approved, 'invoice.void_done')).message,
      'voided in Xero; Skipped Over'
    )
    check.include(
      (await logOf(draft, 'invoice.voided_after_sync')).message,
      'is deleted or voided after this run'
    )

    // Nothing more happens on the next run.
    world.xero.state.requestLog = []
    await succeeded(world)
    check.lengthOf(
      world.xero.state.requestLog.filter((entry) => entry.method === 'POST'),
      0,
      'no further writes to Xero'
    )
    check.deepEqual(world.xero.state.violations, [])
  })

  test('an approved invoice with a payment faults with the reason and what to do in Xero', async ({
    assert: check,
  }) => {
    await setStatus('AUTHORISED')
    await succeeded(world)
    const [record] = await syncedRecords(world)
    const invoice = xeroInvoiceOf(world, record.xeroInvoiceId)
    const paid = await payInXero(world, [
      { invoiceId: invoice.InvoiceID, amount: '5.00', date: '2026-11-20' },
    ])
    check.equal(paid.status, 200)
    await voidInAutotask(record)
    await succeeded(world)

    check.equal(xeroInvoiceOf(world, record.xeroInvoiceId).Status, 'AUTHORISED')
    check.equal(xeroInvoiceOf(world, record.xeroInvoiceId).AmountPaid, 5)
    await record.refresh()
    check.equal(record.status, 'fault')
    check.equal(record.voidState, 'refused')
    check.include(record.faultReason!, 'Voided in Autotask, but Xero invoice')
    check.include(record.faultReason!, 'has 5.00 paid on it')
    check.include(record.faultHint!, 'remove the payments and credit allocations')
    const line = await logOf(record, 'invoice.void_refused')
    check.equal(line.level, 'error')
  })

  test('an invoice a person already deleted in Xero is left alone and skipped', async ({
    assert: check,
  }) => {
    await setStatus('DRAFT')
    await succeeded(world)
    const [record] = await syncedRecords(world)
    const product = await Product.findOrFail(world.product.id)
    const [removed] = await world.stack.gateway.updateInvoices(xeroConnectionOf(product), [
      {
        invoiceId: record.xeroInvoiceId!,
        type: 'ACCREC',
        contact: { contactId: xeroInvoiceOf(world, record.xeroInvoiceId).Contact.ContactID },
        status: 'DELETED',
      },
    ])
    check.isTrue(removed.ok)
    await voidInAutotask(record)
    world.xero.state.requestLog = []
    await succeeded(world)
    await record.refresh()
    check.equal(record.status, 'skipped')
    check.equal(record.voidState, 'gone')
    check.include((await logOf(record, 'invoice.void_done')).message, 'is already deleted')
    check.lengthOf(
      world.xero.state.requestLog.filter((entry) => entry.method === 'POST'),
      0,
      'nothing written to Xero'
    )
  })

  test('with the setting off, Xero is left untouched and the log warns', async ({
    assert: check,
  }) => {
    await setStatus('DRAFT', false)
    await succeeded(world)
    const [record] = await syncedRecords(world)
    await voidInAutotask(record)
    await succeeded(world)
    check.equal(xeroInvoiceOf(world, record.xeroInvoiceId).Status, 'DRAFT')
    await record.refresh()
    check.equal(record.status, 'synced')
    const line = await logOf(record, 'invoice.voided_after_sync')
    check.equal(line.level, 'warn')
    check.include(line.message, 'void it in Xero too (this product leaves Xero untouched)')
  })
})

test.group('Negative invoices become Xero credit notes', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ autotask: { invoices: 6, companies: 4 }, ...PATIENT })
    return () => world.close()
  })

  /** "Remote Support", mapped to account 200 by the sandbox set-up. */
  const REMOTE_SUPPORT = 29682801

  /** One invoice of a new billing run: one line of `net` at 15 % GST, for the first sandbox company. */
  function addInvoice(net: number) {
    const state = world.autotask.state
    const companyId = [...state.tables.Companies.keys()][0]
    const [id] = state.addBillingRun({ invoices: 1, companyIds: [companyId], lines: 1 }).invoiceIds
    const invoice = state.tables.Invoices.get(id)!
    const [item] = state.itemsOf(id)
    const tax = Math.round(net * 15) / 100
    Object.assign(item, {
      billingCodeID: REMOTE_SUPPORT,
      quantity: 1,
      rate: net,
      extendedPrice: net,
      taxDollars: tax,
    })
    Object.assign(invoice, { invoiceTotal: net + tax, totalTaxValue: tax })
    return invoice as { id: number; invoiceNumber: string }
  }

  async function settings(values: Record<string, unknown>) {
    const product = await Product.findOrFail(world.product.id)
    product.settings = { ...(product.settings ?? {}), ...values }
    await product.save()
  }

  /** The credit notes of one Autotask invoice (the seed has negative invoices of its own). */
  function creditNotes(number: string) {
    const org = world.xero.state.organisations.find((candidate) => candidate.tenantId === NZ)!
    return creditNotesOf(org).filter((note) => note.CreditNoteNumber === number)
  }

  async function recordOf(autotaskId: number) {
    return InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('autotask_id', autotaskId)
      .firstOrFail()
  }

  async function lastLine(record: InvoiceRecord, event: string) {
    return SyncLog.query()
      .where('invoice_record_id', record.id)
      .where('event', event)
      .orderBy('id', 'desc')
      .firstOrFail()
  }

  /** A positive invoice synced and left the only open one of its contact (older ones settled in Xero). */
  async function onlyOpenInvoice(net: number) {
    const positive = addInvoice(net)
    await succeeded(world)
    const record = await recordOf(positive.id)
    if (record.status !== 'synced') throw new Error(`not synced: ${record.faultReason}`)
    const target = xeroInvoiceOf(world, record.xeroInvoiceId)
    for (const other of world.xero.state
      .invoices(NZ)
      .filter(
        (invoice) =>
          invoice.Contact.ContactID === target.Contact.ContactID &&
          invoice.InvoiceID !== target.InvoiceID &&
          invoice.Status === 'AUTHORISED'
      ))
      world.xero.state.markInvoicePaid(other.InvoiceID)
    return record
  }

  async function dialogOf(record: InvoiceRecord, client: any) {
    const user = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const page = await client
      .get(`/products/${world.product.id}/invoices/${record.id}`)
      .header('HX-Request', 'true')
      .loginAs(user)
    page.assertStatus(200)
    return page.text() as string
  }

  test('by default a negative invoice becomes one credit note; resynced twice it is downloaded again and updated in place, and unlinked it is found by number: still one', async ({
    assert,
    client,
  }) => {
    // No setting touched: credit notes are on for every product that did not turn them off.
    await settings({ invoiceStatus: 'AUTHORISED' })
    const negative = addInvoice(-100)
    await succeeded(world)
    const record = await recordOf(negative.id)
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    assert.equal(record.xeroType, 'ACCRECCREDIT')
    assert.lengthOf(creditNotes(negative.invoiceNumber), 1)
    const [note] = creditNotes(negative.invoiceNumber)
    assert.equal(note.CreditNoteNumber, negative.invoiceNumber)
    assert.equal(note.Total, 115)
    assert.equal(note.Status, 'AUTHORISED')
    assert.equal(record.xeroInvoiceId, note.CreditNoteID)
    assert.include(
      (await lastLine(record, 'invoice.synced')).message,
      `created in Xero as credit note ${negative.invoiceNumber}`
    )
    const user = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const page = await client
      .get(`/products/${world.product.id}/invoices`)
      .qs({ q: negative.invoiceNumber })
      .loginAs(user)
    page.assertStatus(200)
    assert.include(page.text(), 'data-testid="document-label">Credit note</span>')
    const csv = await client
      .get(`/products/${world.product.id}/invoices/export/csv`)
      .qs({ q: negative.invoiceNumber })
      .loginAs(user)
    csv.assertStatus(200)
    const [header, row] = csv
      .text()
      .replace(/^\uFEFF/, '')
      .split('\r\n')
    assert.include(header, 'Status,Payment,Xero document,Xero number')
    assert.include(row, `,Synced,,Credit note,${negative.invoiceNumber},${note.CreditNoteID},`)
    const xlsx = await client
      .get(`/products/${world.product.id}/invoices/export/xlsx`)
      .qs({ q: negative.invoiceNumber })
      .loginAs(user)
      .setup(asBytes)
    xlsx.assertStatus(200)
    const { default: ExcelJS } = await import('exceljs')
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.body())
    const sheet = workbook.getWorksheet('Invoices')!
    const headings = (sheet.getRow(1).values as unknown[]).slice(1)
    const values = (sheet.getRow(2).values as unknown[]).slice(1)
    assert.equal(values[headings.indexOf('Xero document')], 'Credit note')

    // A person corrects the line in Autotask and resyncs it, twice: downloaded again, the same credit note updated.
    const statuses = await app.container.make(RecordStatusService)
    for (const take of [1, 2]) {
      const [item] = world.autotask.state.itemsOf(negative.id)
      const description = `Credit: outage compensation, correction ${take}`
      Object.assign(item, { description, lineItemFullDescription: description })
      await record.refresh()
      const moved = await statuses.apply('invoice', record, 'resync', 'tester')
      assert.isTrue(moved.ok)
      await succeeded(world)
      await record.refresh()
      assert.equal(record.status, 'synced', record.faultReason ?? '')
      assert.lengthOf(creditNotes(negative.invoiceNumber), 1, 'still one credit note')
      const [updated] = creditNotes(negative.invoiceNumber)
      assert.equal(updated.CreditNoteID, note.CreditNoteID, 'updated in place')
      assert.equal(updated.LineItems[0].Description, description)
      assert.equal(record.xeroInvoiceId, note.CreditNoteID)
      const refreshed = await SyncLog.query()
        .where('invoice_record_id', record.id)
        .where('event', 'invoice.refreshed')
      assert.lengthOf(refreshed, take, 'downloaded again from Autotask for each resync')
      assert.include(
        (await lastLine(record, 'invoice.synced')).message,
        `updated in Xero as credit note ${negative.invoiceNumber}`
      )
    }

    // The link lost (a crash after Xero answered): found by number, not created again.
    await InvoiceRecord.query()
      .where('id', record.id)
      .update({ status: 'pending', xero_invoice_id: null, xero_type: null })
    await succeeded(world)
    await record.refresh()
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    assert.lengthOf(creditNotes(negative.invoiceNumber), 1, 'still one credit note')
    assert.equal(record.xeroInvoiceId, note.CreditNoteID)
    assert.lengthOf(
      world.xero.state.invoices(NZ).filter((invoice) => invoice.Total < 0),
      0,
      'no negative invoice reached Xero'
    )
    assert.deepEqual(world.xero.state.violations, [])
  })

  test('resynced after it stopped being negative in Autotask: Xero holds a credit note, so it faults and says what to do', async ({
    assert,
  }) => {
    const negative = addInvoice(-100)
    await succeeded(world)
    const record = await recordOf(negative.id)
    assert.equal(record.xeroType, 'ACCRECCREDIT')
    const [item] = world.autotask.state.itemsOf(negative.id)
    Object.assign(item, { rate: 100, extendedPrice: 100, taxDollars: 15 })
    Object.assign(world.autotask.state.tables.Invoices.get(negative.id)!, {
      invoiceTotal: 115,
      totalTaxValue: 15,
    })
    const statuses = await app.container.make(RecordStatusService)
    assert.isTrue((await statuses.apply('invoice', record, 'resync', 'tester')).ok)
    await succeeded(world)
    await record.refresh()
    assert.equal(record.status, 'fault')
    assert.equal(
      record.faultReason,
      `Its total in Autotask is now NZD 115.00, but Xero holds it as credit note ${negative.invoiceNumber}.`
    )
    assert.include(record.faultHint!, `Void credit note ${negative.invoiceNumber} in Xero`)
    assert.lengthOf(creditNotes(negative.invoiceNumber), 1)
    assert.isFalse(
      world.xero.state
        .invoices(NZ)
        .some((invoice) => invoice.InvoiceNumber === negative.invoiceNumber),
      'no invoice made beside the credit note'
    )
  })

  test("with allocation on, the credit goes to the contact's oldest open invoice; used up, its paid date reaches Autotask", async ({
    assert,
    client,
  }) => {
    await settings({ invoiceStatus: 'AUTHORISED', creditNoteAllocation: 'oldest_open' })
    const invoiceRecord = await onlyOpenInvoice(200)

    const negative = addInvoice(-100)
    world.autotask.state.requests = []
    await succeeded(world)
    const [note] = creditNotes(negative.invoiceNumber)
    assert.equal(note.Status, 'PAID')
    assert.equal(note.RemainingCredit, 0)
    const after = xeroInvoiceOf(world, invoiceRecord.xeroInvoiceId)
    assert.equal(after.AmountCredited, 115)
    assert.equal(after.AmountDue, 115)
    // Its own line: the world's other credit note may have been allocated in the first run, beside its invoices.
    const allocated = await SyncLog.query()
      .where('event', 'invoice.credit_allocated')
      .where('autotask_id', negative.id)
      .firstOrFail()
    assert.include(allocated.message, `115.00 allocated to Xero invoice ${after.InvoiceNumber}`)

    // Its credit used up, the negative invoice is settled: Autotask gets its paid date, once.
    const day = world.clock.now().toISODate()!
    const record = await recordOf(negative.id)
    assert.equal(record.paymentState, 'paid')
    assert.equal(record.paidDate?.toISODate(), day)
    const patches = autotaskPatches(world).filter(
      (patch) => (patch.body as { id?: number })?.id === negative.id
    )
    assert.lengthOf(patches, 1)
    assert.deepEqual(patches[0].body, { id: negative.id, paidDate: `${day}T00:00:00Z` })
    assert.include(
      (await lastLine(record, 'invoice.paid')).message,
      'is used up (allocated or refunded); paid date'
    )
    assert.include(
      await dialogOf(record, client),
      `Paid on ${day}; the paid date is on the Autotask invoice.`
    )

    world.autotask.state.requests = []
    await succeeded(world)
    assert.lengthOf(
      autotaskPatches(world).filter((patch) => (patch.body as { id?: number })?.id === negative.id),
      0,
      'written once'
    )
    assert.deepEqual(world.xero.state.violations, [])
  })

  test('a credit note only partly used shows the credit left, and nothing is written to Autotask', async ({
    assert,
    client,
  }) => {
    await settings({ invoiceStatus: 'AUTHORISED', creditNoteAllocation: 'oldest_open' })
    const small = await onlyOpenInvoice(50)
    const negative = addInvoice(-100)
    world.autotask.state.requests = []
    await succeeded(world)
    const [note] = creditNotes(negative.invoiceNumber)
    assert.equal(note.Status, 'AUTHORISED')
    assert.equal(note.RemainingCredit, 57.5)
    assert.equal(xeroInvoiceOf(world, small.xeroInvoiceId).Status, 'PAID')
    const record = await recordOf(negative.id)
    assert.equal(record.paymentState, 'part_paid')
    assert.equal(record.paymentLabel, 'Part allocated (credit left 57.50)')
    assert.lengthOf(
      autotaskPatches(world).filter((patch) => (patch.body as { id?: number })?.id === negative.id),
      0,
      'nothing written for a credit not used up'
    )
    assert.include(
      (await lastLine(record, 'invoice.part_paid')).message,
      '57.50 used, 57.50 of credit left'
    )
    const user = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const grid = await client
      .get(`/products/${world.product.id}/invoices`)
      .qs({ q: negative.invoiceNumber })
      .loginAs(user)
    assert.include(
      grid.text(),
      'data-testid="payment-label">Part allocated (credit left 57.50)</span>'
    )
    assert.include(
      await dialogOf(record, client),
      'Part allocated: 57.50 of its credit is left in Xero.'
    )
  })

  test('voided in Autotask: a draft credit note is deleted, an approved one voided, an allocated one faults with what to do', async ({
    assert,
    client,
  }) => {
    const voidInAutotask = (autotaskId: number) => {
      if (!world.autotask.state.voidInvoice(autotaskId)) throw new Error('no such Autotask invoice')
    }
    // A draft credit note, then an approved one, then an approved one allocated to an open invoice.
    await settings({ invoiceStatus: 'DRAFT' })
    const drafted = addInvoice(-10)
    await succeeded(world)
    await settings({ invoiceStatus: 'AUTHORISED' })
    const approved = addInvoice(-20)
    await succeeded(world)
    await settings({ creditNoteAllocation: 'oldest_open' })
    await onlyOpenInvoice(200)
    const allocated = addInvoice(-30)
    await succeeded(world)
    const [draftNote] = creditNotes(drafted.invoiceNumber)
    const [approvedNote] = creditNotes(approved.invoiceNumber)
    const [allocatedNote] = creditNotes(allocated.invoiceNumber)
    assert.equal(draftNote.Status, 'DRAFT')
    assert.equal(approvedNote.Status, 'AUTHORISED')
    assert.equal(allocatedNote.Status, 'PAID', 'its 34.50 went to the open invoice')

    for (const invoice of [drafted, approved, allocated]) voidInAutotask(invoice.id)
    await succeeded(world)

    assert.equal(creditNotes(drafted.invoiceNumber)[0].Status, 'DELETED')
    assert.equal(creditNotes(approved.invoiceNumber)[0].Status, 'VOIDED')
    assert.equal(creditNotes(allocated.invoiceNumber)[0].Status, 'PAID', 'left as it is')
    const draftRecord = await recordOf(drafted.id)
    const approvedRecord = await recordOf(approved.id)
    const allocatedRecord = await recordOf(allocated.id)
    assert.deepEqual([draftRecord.status, draftRecord.voidState], ['skipped', 'deleted'])
    assert.deepEqual([approvedRecord.status, approvedRecord.voidState], ['skipped', 'voided'])
    assert.deepEqual([allocatedRecord.status, allocatedRecord.voidState], ['fault', 'refused'])
    assert.include(
      (await lastLine(draftRecord, 'invoice.void_done')).message,
      `Xero credit note ${drafted.invoiceNumber} deleted in Xero; Skipped Over.`
    )
    assert.include(
      (await lastLine(approvedRecord, 'invoice.void_done')).message,
      `Xero credit note ${approved.invoiceNumber} voided in Xero; Skipped Over.`
    )
    assert.include(
      (await lastLine(approvedRecord, 'invoice.voided_after_sync')).message,
      `as credit note ${approved.invoiceNumber}: its Xero credit note is deleted or voided after this run`
    )
    assert.equal(
      allocatedRecord.faultReason,
      `Voided in Autotask, but Xero credit note ${allocated.invoiceNumber} is fully allocated or refunded.`
    )
    assert.equal(
      allocatedRecord.faultHint,
      `In Xero, remove the allocations and refunds of Xero credit note ${allocated.invoiceNumber}, then void it; then Skip this invoice here.`
    )
    assert.equal((await lastLine(allocatedRecord, 'invoice.void_refused')).level, 'error')

    // The status dialog says what the void did.
    const day = world.clock.now().toISODate()
    assert.include(
      await dialogOf(approvedRecord, client),
      `Voided in Autotask on ${day}: the Xero credit note was voided.`
    )
    const refusedDialog = await dialogOf(allocatedRecord, client)
    assert.include(
      refusedDialog,
      `Voided in Autotask on ${day}: Xero does not let the Xero credit note be removed (see why it faulted).`
    )
    assert.include(refusedDialog, `Credit note ${allocated.invoiceNumber}`)
    assert.deepEqual(world.xero.state.violations, [])
  })
})
