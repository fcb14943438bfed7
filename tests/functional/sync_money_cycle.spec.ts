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
    check.include(record.faultReason!, '5.00 is paid on it')
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

  test('a negative invoice becomes one credit note; resynced twice (and once unlinked), still one', async ({
    assert,
    client,
  }) => {
    await settings({ invoiceStatus: 'AUTHORISED', creditNotes: true })
    const negative = addInvoice(-100)
    await succeeded(world)
    const record = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('autotask_id', negative.id)
      .firstOrFail()
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    assert.equal(record.xeroType, 'ACCRECCREDIT')
    assert.lengthOf(creditNotes(negative.invoiceNumber), 1)
    const [note] = creditNotes(negative.invoiceNumber)
    assert.equal(note.CreditNoteNumber, negative.invoiceNumber)
    assert.equal(note.Total, 115)
    assert.equal(note.Status, 'AUTHORISED')
    assert.equal(record.xeroInvoiceId, note.CreditNoteID)
    const line = await SyncLog.query()
      .where('invoice_record_id', record.id)
      .where('event', 'invoice.synced')
      .firstOrFail()
    assert.include(line.message, `created in Xero as credit note ${negative.invoiceNumber}`)
    const user = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const page = await client
      .get(`/products/${world.product.id}/invoices`)
      .qs({ q: negative.invoiceNumber })
      .loginAs(user)
    page.assertStatus(200)
    assert.include(page.text(), 'data-testid="payment-label">Credit note</span>')

    for (const unlink of [false, false, true]) {
      await InvoiceRecord.query()
        .where('id', record.id)
        .update(
          unlink
            ? { status: 'pending', xero_invoice_id: null, xero_type: null }
            : { status: 'pending' }
        )
      await succeeded(world)
      await record.refresh()
      assert.equal(record.status, 'synced', record.faultReason ?? '')
      assert.lengthOf(creditNotes(negative.invoiceNumber), 1, 'still one credit note')
      assert.equal(record.xeroInvoiceId, note.CreditNoteID)
    }
    assert.lengthOf(
      world.xero.state.invoices(NZ).filter((invoice) => invoice.Total < 0),
      0,
      'no negative invoice reached Xero'
    )
    assert.deepEqual(world.xero.state.violations, [])
  })

  test("with allocation on, the credit goes to the contact's oldest open invoice", async ({
    assert,
  }) => {
    await settings({
      invoiceStatus: 'AUTHORISED',
      creditNotes: true,
      creditNoteAllocation: 'oldest_open',
    })
    const positive = addInvoice(200)
    await succeeded(world)
    const invoiceRecord = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('autotask_id', positive.id)
      .firstOrFail()
    assert.equal(invoiceRecord.status, 'synced', invoiceRecord.faultReason ?? '')
    // Older open invoices of the same contact would take the credit first: settle them in Xero.
    const target = xeroInvoiceOf(world, invoiceRecord.xeroInvoiceId)
    for (const other of world.xero.state
      .invoices(NZ)
      .filter(
        (invoice) =>
          invoice.Contact.ContactID === target.Contact.ContactID &&
          invoice.InvoiceID !== target.InvoiceID &&
          invoice.Status === 'AUTHORISED'
      ))
      world.xero.state.markInvoicePaid(other.InvoiceID)

    const negative = addInvoice(-100)
    await succeeded(world)
    const [note] = creditNotes(negative.invoiceNumber)
    assert.equal(note.Status, 'PAID')
    assert.equal(note.RemainingCredit, 0)
    const after = xeroInvoiceOf(world, invoiceRecord.xeroInvoiceId)
    assert.equal(after.AmountCredited, 115)
    assert.equal(after.AmountDue, 115)
    const allocated = await SyncLog.query().where('event', 'invoice.credit_allocated').firstOrFail()
    assert.include(allocated.message, `115.00 allocated to Xero invoice ${after.InvoiceNumber}`)
  })
})
