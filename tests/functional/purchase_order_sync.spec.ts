import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { resetDatabase } from '#tests/helpers/database'
import { enablePurchaseOrders, startSyncWorld } from '#tests/helpers/sync_world'
import { knob } from '#tests/helpers/xero_sandbox'
import { assertRecordStatus } from '#tests/helpers/assertions'
import PurchaseOrderRecord from '#models/purchase_order_record'
import SyncLog from '#models/sync_log'
import RecordStatusService from '#services/record_status_service'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import type { SandboxContact, SandboxInvoice, SandboxPurchaseOrder } from '#sandbox/xero/types'

type World = Awaited<ReturnType<typeof startSyncWorld>>
const TENANT = XERO_SANDBOX_TENANTS.nz.tenantId

/*
| Purchase orders and bills are duplicate-proof and follow Autotask after they
| are synced: real sockets to both sandboxes, outcomes read from our rows, the
| sync log and what the Xero sandbox holds.
*/
test.group('Purchase orders and bills: one Xero document per Autotask PO', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    // No invoices: purchase orders are pulled only when none waits, and these tests are about POs.
    world = await startSyncWorld({ autotask: { purchaseOrders: 20, invoices: 0 } })
    return () => world.close()
  })

  const enable = (documentType: 'PURCHASEORDER' | 'BILL') =>
    enablePurchaseOrders(world.product.id, documentType)

  const org = () => world.xero.state.organisation(TENANT)!
  const xeroOrders = () => org().purchaseOrders
  const bills = () => org().invoices.filter((invoice) => invoice.Type === 'ACCPAY')
  const records = () =>
    PurchaseOrderRecord.query().where('product_id', world.product.id).orderBy('id')

  /** A submitted Autotask PO and its vendor's name. */
  function submittedOrder() {
    const order = world.autotask.state
      .sorted('PurchaseOrders')
      .find((candidate) => candidate.status === 2)!
    const vendor = world.autotask.state.tables.Companies.get(Number(order.vendorID))!
    return { order, vendorName: String(vendor.companyName) }
  }

  /** What a bookkeeper types into Xero: a supplier contact and a draft purchase order with this number. */
  function typedIntoXero(number: string, contactName: string) {
    let contact = org().contacts.find((candidate) => candidate.Name === contactName)
    if (!contact) {
      contact = {
        ContactID: randomUUID(),
        ContactStatus: 'ACTIVE',
        Name: contactName,
        IsSupplier: true,
        IsCustomer: false,
        Addresses: [],
        Phones: [],
        UpdatedDateUTC: Date.now(),
      } satisfies SandboxContact
      org().contacts.push(contact)
    }
    const order: SandboxPurchaseOrder = {
      PurchaseOrderID: randomUUID(),
      PurchaseOrderNumber: number,
      Contact: { ContactID: contact.ContactID, Name: contact.Name },
      Date: Date.now(),
      DeliveryDate: null,
      Status: 'DRAFT',
      LineAmountTypes: 'Exclusive',
      LineItems: [],
      SubTotal: 0,
      TotalTax: 0,
      Total: 0,
      CurrencyCode: 'NZD',
      CurrencyRate: 1,
      SentToContact: false,
      UpdatedDateUTC: Date.now(),
    }
    xeroOrders().push(order)
    return order
  }

  test('a PO number typed into Xero by hand is linked and updated, not created a second time', async ({
    assert,
  }) => {
    const { order, vendorName } = submittedOrder()
    const typed = typedIntoXero(String(order.purchaseOrderNumber), vendorName)
    await enable('PURCHASEORDER')
    await world.run()

    const record = (await records()).find((r) => r.autotaskId === order.id)!
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    assert.equal(record.xeroDocumentId, typed.PurchaseOrderID)
    const same = xeroOrders().filter((o) => o.PurchaseOrderNumber === order.purchaseOrderNumber)
    assert.lengthOf(same, 1, 'Xero holds one purchase order with that number')
    assert.equal(same[0].Status, 'AUTHORISED')
    assert.isAbove(
      same[0].LineItems.length,
      0,
      'the Autotask lines replaced the empty hand-typed ones'
    )
    assert.equal(same[0].SubTotal.toFixed(2), record.subtotal.toFixed(2))
    const [line] = await logLines(record, 'purchase_order.synced')
    assert.include(line.message, 'found in Xero by number')
    const synced = (await records()).filter((r) => r.status === 'synced')
    assert.lengthOf(xeroOrders(), synced.length, 'one Xero purchase order per synced PO')
  }).timeout(60_000)

  test("a PO number Xero holds for another contact faults with the reason; Xero's is left alone", async ({
    assert,
  }) => {
    const { order } = submittedOrder()
    const typed = typedIntoXero(String(order.purchaseOrderNumber), 'Someone Else Ltd')
    await enable('PURCHASEORDER')
    await world.run()

    const record = (await records()).find((r) => r.autotaskId === order.id)!
    assert.equal(record.status, 'fault')
    const number = order.purchaseOrderNumber
    assert.include(
      record.faultReason!,
      `Xero already holds purchase order ${number} for Someone Else Ltd`
    )
    assert.isNull(record.xeroDocumentId)
    const same = xeroOrders().filter((o) => o.PurchaseOrderNumber === order.purchaseOrderNumber)
    assert.lengthOf(same, 1)
    assert.equal(same[0].Status, 'DRAFT')
    assert.equal(same[0].Contact.ContactID, typed.Contact.ContactID)
  }).timeout(60_000)

  for (const type of ['PURCHASEORDER', 'BILL'] as const) {
    const name = type === 'BILL' ? 'bill' : 'purchase order'
    test(`a ${name} write whose answer was lost: the retry leaves one document per PO in Xero`, async ({
      assert,
    }) => {
      await enable(type)
      // Xero does the write; its answer never reaches us (the client times out).
      const write =
        type === 'BILL' ? { path: '/Invoices', method: 'POST' } : { path: '/PurchaseOrders' }
      await knob(world.xero, '/faults', { kind: 'lost', ...write })
      await world.run()
      const waiting = (await records()).filter((r) => r.status === 'pending')
      assert.isAbove(waiting.length, 0, 'the batch whose answer was lost waits for a retry')
      const documents = () =>
        type === 'BILL'
          ? bills().map((b: SandboxInvoice) => b.Reference)
          : xeroOrders().map((o) => o.PurchaseOrderNumber)
      assert.lengthOf(documents(), waiting.length, 'Xero did the write')

      world.clock.advance({ minutes: 30 })
      await world.run()
      const all = await records()
      const lines = await SyncLog.query()
        .where('product_id', world.product.id)
        .where('level', '!=', 'info')
      assert.isTrue(
        all.every((r) => r.status === 'synced'),
        lines.map((l) => l.message).join('; ')
      )
      assert.lengthOf(documents(), all.length, 'one Xero document per PO')
      assert.sameMembers(
        documents(),
        all.map((r) => r.poNumber)
      )
      const ids = new Set(all.map((r) => r.xeroDocumentId))
      assert.equal(ids.size, all.length)
      const synced = await SyncLog.query()
        .where('product_id', world.product.id)
        .where('event', 'purchase_order.synced')
      const how = `found in Xero by ${type === 'BILL' ? 'reference' : 'number'}`
      const found = synced.filter((l) => l.message.includes(how))
      assert.lengthOf(found, waiting.length)
      assert.lengthOf(world.xero.state.violations, 0, 'every request matched the official contract')
    }).timeout(60_000)
  }

  test('a bill is linked only to the same PO: two matching bills fault as ambiguous, nothing is created', async ({
    assert,
  }) => {
    await enable('BILL')
    await world.run()
    const [record] = await records()
    const bill = bills().find((b) => b.InvoiceID === record.xeroDocumentId)!
    // Someone copied the bill in Xero; our link is lost (say, a restore from backup).
    org().invoices.push({
      ...bill,
      InvoiceID: randomUUID(),
      LineItems: bill.LineItems.map((l) => ({ ...l })),
    })
    await PurchaseOrderRecord.query()
      .where('id', record.id)
      .update({ xeroDocumentId: null, xeroDocumentType: null })
    const statuses = await app.container.make(RecordStatusService)
    const unlinked = await PurchaseOrderRecord.findOrFail(record.id)
    assert.isTrue((await statuses.apply('purchase_order', unlinked, 'resync', 'tester')).ok)
    const before = bills().length
    await world.run()

    const again = await PurchaseOrderRecord.findOrFail(record.id)
    assert.equal(again.status, 'fault')
    assert.include(
      again.faultReason!,
      `Xero holds 2 bills of this vendor with reference ${record.poNumber}`
    )
    assert.lengthOf(bills(), before, 'no third bill')
  }).timeout(60_000)
})

test.group('Purchase orders changed in Autotask after they were synced', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    // No invoices: purchase orders are pulled only when none waits, and these tests are about POs.
    world = await startSyncWorld({ autotask: { purchaseOrders: 20, invoices: 0 } })
    return () => world.close()
  })

  const enable = (documentType: 'PURCHASEORDER' | 'BILL') =>
    enablePurchaseOrders(world.product.id, documentType)

  const org = () => world.xero.state.organisation(TENANT)!
  const records = () =>
    PurchaseOrderRecord.query().where('product_id', world.product.id).orderBy('id')

  async function syncedFirst(type: 'PURCHASEORDER' | 'BILL') {
    await enable(type)
    await world.run()
    const [record] = await records()
    assert_(record?.status === 'synced', `the first PO synced: ${record?.faultReason}`)
    return record
  }

  async function setStatus(autotaskId: number, status: number) {
    const response = await fetch(
      `${world.autotask.knobsUrl}/purchase-orders/${autotaskId}/status`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status }),
      }
    )
    assert_(response.ok, `status knob: ${response.status}`)
  }

  test('a PO cancelled in Autotask is deleted in Xero, logged, and shown as skipped with the reason', async ({
    assert,
  }) => {
    const record = await syncedFirst('PURCHASEORDER')
    await setStatus(record.autotaskId, 5)
    await world.run()

    const order = org().purchaseOrders.find((o) => o.PurchaseOrderID === record.xeroDocumentId)!
    assert.equal(order.Status, 'DELETED')
    const again = await PurchaseOrderRecord.findOrFail(record.id)
    assert.equal(again.status, 'skipped')
    assert.include(again.faultReason!, 'cancelled in Autotask')
    assert.equal(again.autotaskStatus, 5)
    const events = (await logLines(record)).map((l) => l.event)
    assert.includeMembers(events, [
      'purchase_order.changed',
      'purchase_order.cancelled',
      'purchase_order.skipped',
    ])
  }).timeout(60_000)

  test('a cancelled PO whose bill a bookkeeper approved is voided; a paid one faults and stays', async ({
    assert,
  }) => {
    await enable('BILL')
    await world.run()
    const [first, second] = await records()
    const bill = (record: PurchaseOrderRecord) =>
      org().invoices.find((i) => i.InvoiceID === record.xeroDocumentId)!
    bill(first).Status = 'AUTHORISED'
    Object.assign(bill(second), { Status: 'PAID', AmountPaid: bill(second).Total, AmountDue: 0 })
    await setStatus(first.autotaskId, 5)
    await setStatus(second.autotaskId, 5)
    await world.run()

    assert.equal(bill(first).Status, 'VOIDED')
    await assertRecordStatus(first, 'skipped')
    assert.equal(bill(second).Status, 'PAID')
    const paid = await PurchaseOrderRecord.findOrFail(second.id)
    assert.equal(paid.status, 'fault')
    assert.include(paid.faultReason!, 'cancelled in Autotask, but the Xero bill')
    assert.include(paid.faultReason!, 'is paid')
  }).timeout(60_000)

  test('a PO part received with a changed quantity is updated in place in Xero', async ({
    assert,
  }) => {
    const record = await syncedFirst('PURCHASEORDER')
    const item = world.autotask.state
      .sorted('PurchaseOrderItems')
      .find((i) => i.orderID === record.autotaskId)!
    item.quantity = Number(item.quantity) + 3
    await setStatus(record.autotaskId, 3)
    const count = org().purchaseOrders.length
    await world.run()

    const again = await PurchaseOrderRecord.findOrFail(record.id)
    assert.equal(again.status, 'synced', again.faultReason ?? '')
    assert.equal(again.xeroDocumentId, record.xeroDocumentId)
    assert.equal(again.autotaskStatus, 3)
    assert.isTrue(again.subtotal.gt(record.subtotal))
    assert.lengthOf(org().purchaseOrders, count, 'no second purchase order')
    const order = org().purchaseOrders.find((o) => o.PurchaseOrderID === record.xeroDocumentId)!
    assert.equal(order.SubTotal.toFixed(2), again.subtotal.toFixed(2))
    const changed = await logLines(record, 'purchase_order.changed')
    assert.include(changed[0].message, 'Submitted → Received partial')
  }).timeout(60_000)

  test('a resync never moves an approved bill back to draft: Xero keeps AUTHORISED and the log says so', async ({
    assert,
  }) => {
    const record = await syncedFirst('BILL')
    const bill = () => org().invoices.find((i) => i.InvoiceID === record.xeroDocumentId)!
    bill().Status = 'AUTHORISED'
    const statuses = await app.container.make(RecordStatusService)
    assert.isTrue((await statuses.apply('purchase_order', record, 'resync', 'tester')).ok)
    await world.run()

    const again = await PurchaseOrderRecord.findOrFail(record.id)
    assert.equal(again.status, 'synced', again.faultReason ?? '')
    assert.equal(again.xeroDocumentId, record.xeroDocumentId)
    assert.equal(bill().Status, 'AUTHORISED')
    const kept = await logLines(record, 'purchase_order.status_kept')
    assert.lengthOf(kept, 1)
    assert.include(
      kept[0].message,
      'stays AUTHORISED (further along than the DRAFT the sync sends)'
    )
  }).timeout(60_000)
})

async function logLines(record: PurchaseOrderRecord, event?: string) {
  const query = SyncLog.query().where('purchase_order_record_id', record.id).orderBy('id')
  return event ? query.where('event', event) : query
}

function assert_(condition: boolean, message: string) {
  if (!condition) throw new Error(message)
}
