import { test } from '@japa/runner'
import Product from '#models/product'
import { resetDatabase } from '#tests/helpers/database'
import { connectedProduct, startStrictXeroSandbox, xeroStackFor } from '#tests/helpers/xero_sandbox'
import {
  XERO_SANDBOX_ACCOUNT_CODES,
  XERO_SANDBOX_TENANTS,
  type XeroSandbox,
} from '#sandbox/xero/index'
import { creditNotesOf } from '#sandbox/xero/credit_notes'
import type { XeroCreditNoteInput, XeroInvoiceInput } from '#integrations/xero/xero_gateway'
import { xeroConnectionOf } from '#sync/product_connections'

/*
| Credit notes through the real SDK against the strict sandbox: every request the gateway sends is
| checked against reference/xero_accounting.yaml (no violations), and the sandbox keeps Xero's rules.
*/

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId
const CONTACT = { contactNumber: '1001', name: 'Acme Manufacturing Ltd' }
const line = (unitAmount: string) => ({
  description: 'Credit for downtime',
  quantity: '1',
  unitAmount,
  accountCode: XERO_SANDBOX_ACCOUNT_CODES.sales,
  taxType: 'OUTPUT2',
})

function creditNote(overrides: Partial<XeroCreditNoteInput> = {}): XeroCreditNoteInput {
  return {
    type: 'ACCRECCREDIT',
    contact: CONTACT,
    date: '2026-11-02',
    status: 'AUTHORISED',
    lineAmountTypes: 'Exclusive',
    lineItems: [line('20')],
    ...overrides,
  }
}

test.group('Xero gateway: credit notes against the sandbox', (group) => {
  let sandbox: XeroSandbox
  group.each.setup(async () => {
    await resetDatabase()
    sandbox = await startStrictXeroSandbox()
    return () => sandbox.close()
  })

  async function gatewayAndConnection() {
    const product = await Product.findOrFail((await connectedProduct(sandbox)).id)
    return {
      gateway: xeroStackFor(sandbox, { timeoutMs: 15_000 }).gateway,
      connection: xeroConnectionOf(product),
    }
  }

  test('a credit note is created with a CN number, found by it, and updated while a draft', async ({
    assert,
  }) => {
    const { gateway, connection } = await gatewayAndConnection()
    const [draft, numbered] = await gateway.createCreditNotes(
      connection,
      [creditNote({ status: 'DRAFT' }), creditNote({ creditNoteNumber: 'AT-CN-77' })],
      { idempotencyKey: 'cn-create-1' }
    )
    assert.isTrue(draft.ok && numbered.ok)
    if (!draft.ok || !numbered.ok) return
    assert.match(draft.value.creditNoteNumber!, /^CN-\d{4}$/)
    assert.equal(draft.value.total, '23.00')
    assert.equal(numbered.value.creditNoteNumber, 'AT-CN-77')
    assert.equal(numbered.value.remainingCredit, '23.00')

    const [found] = await gateway.getCreditNotesByNumbers(connection, ['AT-CN-77'])
    assert.equal(found.creditNoteId, numbered.value.creditNoteId)

    const [duplicate] = await gateway.createCreditNotes(connection, [
      creditNote({ creditNoteNumber: 'AT-CN-77' }),
    ])
    assert.isFalse(duplicate.ok)
    if (!duplicate.ok) assert.include(duplicate.messages, 'Credit Note # must be unique.')

    const [updated] = await gateway.updateCreditNotes(connection, [
      {
        ...creditNote({ status: 'DRAFT' }),
        creditNoteId: draft.value.creditNoteId,
        lineItems: [line('40')],
      },
    ])
    assert.isTrue(updated.ok)
    if (updated.ok) assert.equal(updated.value.total, '46.00')
    assert.deepEqual(sandbox.state.violations, [])
  })

  test('an approved credit note allocates to an invoice of the same contact, within what is due and left', async ({
    assert,
  }) => {
    const { gateway, connection } = await gatewayAndConnection()
    const invoice: XeroInvoiceInput = {
      type: 'ACCREC',
      contact: CONTACT,
      date: '2026-11-01',
      status: 'AUTHORISED',
      lineAmountTypes: 'Exclusive',
      lineItems: [line('100')],
    }
    const [created] = await gateway.createInvoices(connection, [invoice])
    const [note] = await gateway.createCreditNotes(connection, [creditNote()])
    assert.isTrue(created.ok && note.ok)
    if (!created.ok || !note.ok) return

    const tooMuch = await gateway.allocateCreditNote(connection, note.value.creditNoteId, {
      invoiceId: created.value.invoiceId,
      amount: '30.00',
      date: '2026-11-03',
    })
    assert.isFalse(tooMuch.ok)
    if (!tooMuch.ok)
      assert.include(
        tooMuch.messages,
        'The amount allocated is more than the credit left on the credit note.'
      )

    const allocated = await gateway.allocateCreditNote(
      connection,
      note.value.creditNoteId,
      { invoiceId: created.value.invoiceId, amount: '23.00', date: '2026-11-03' },
      { idempotencyKey: 'cn-allocate-1' }
    )
    assert.deepEqual(allocated, { ok: true })
    const stored = creditNotesOf(sandbox.state.organisations.find((org) => org.tenantId === NZ)!)
    const storedNote = stored.find((entry) => entry.CreditNoteID === note.value.creditNoteId)!
    assert.equal(storedNote.Status, 'PAID')
    assert.equal(storedNote.RemainingCredit, 0)
    const after = await gateway.getInvoice(connection, created.value.invoiceId)
    assert.equal(after?.amountDue, '92.00')
    assert.equal(after?.status, 'AUTHORISED')

    // An allocated credit note can no longer be changed or voided.
    const [voided] = await gateway.updateCreditNotes(connection, [
      { ...creditNote(), creditNoteId: note.value.creditNoteId, status: 'VOIDED' },
    ])
    assert.isFalse(voided.ok)
    if (!voided.ok)
      assert.include(voided.messages, 'This document cannot be edited as it has allocations.')
    assert.deepEqual(sandbox.state.violations, [])
  })

  test('an approved credit note cannot be deleted, only voided', async ({ assert }) => {
    const { gateway, connection } = await gatewayAndConnection()
    const [note] = await gateway.createCreditNotes(connection, [creditNote()])
    if (!note.ok) throw new Error(note.messages.join(' '))
    const [deleted] = await gateway.updateCreditNotes(connection, [
      { ...creditNote(), creditNoteId: note.value.creditNoteId, status: 'DELETED' },
    ])
    assert.isFalse(deleted.ok)
    if (!deleted.ok)
      assert.include(
        deleted.messages,
        'Credit note status cannot be changed from AUTHORISED to DELETED.'
      )
    const [voided] = await gateway.updateCreditNotes(connection, [
      { ...creditNote(), creditNoteId: note.value.creditNoteId, status: 'VOIDED' },
    ])
    assert.isTrue(voided.ok)
    if (voided.ok) assert.equal(voided.value.status, 'VOIDED')
  })

  test('credit notes are read by id, 40 a GET, filtered by status and change date, with the date their credit was used up', async ({
    assert,
  }) => {
    const { gateway, connection } = await gatewayAndConnection()
    const [invoice] = await gateway.createInvoices(connection, [
      {
        type: 'ACCREC',
        contact: CONTACT,
        date: '2026-11-01',
        status: 'AUTHORISED',
        lineAmountTypes: 'Exclusive',
        lineItems: [line('100')],
      },
    ])
    const notes = await gateway.createCreditNotes(connection, [
      creditNote({ status: 'DRAFT' }),
      creditNote(),
      creditNote(),
    ])
    if (!invoice.ok || notes.some((note) => !note.ok)) throw new Error('set-up refused')
    const ids = notes.map((note) => (note.ok ? note.value.creditNoteId : ''))
    const used = await gateway.allocateCreditNote(connection, ids[2], {
      invoiceId: invoice.value.invoiceId,
      amount: '23.00',
      date: '2026-11-03',
    })
    assert.deepEqual(used, { ok: true })

    const all = await gateway.creditNotesAmong(connection, ids)
    assert.sameMembers(
      all.map((note) => note.status),
      ['DRAFT', 'AUTHORISED', 'PAID']
    )
    const payable = await gateway.creditNotesAmong(connection, ids, {
      statuses: ['AUTHORISED', 'PAID'],
    })
    assert.lengthOf(payable, 2)
    const paid = payable.find((note) => note.creditNoteId === ids[2])!
    assert.equal(paid.remainingCredit, '0.00')
    assert.equal(paid.fullyPaidOnDate, '2026-11-03')
    assert.isNull(payable.find((note) => note.creditNoteId === ids[1])!.fullyPaidOnDate ?? null)

    const later = new Date(sandbox.state.clock.now() + 60_000)
    assert.lengthOf(await gateway.creditNotesAmong(connection, ids, { since: later }), 0)

    // 41 ids (38 unknown to Xero) take two calls; nothing that is not an id is sent.
    sandbox.state.requestLog = []
    const unknown = Array.from(
      { length: 38 },
      (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`
    )
    const many = await gateway.creditNotesAmong(connection, [...ids, ...unknown, 'not-an-id'])
    assert.lengthOf(many, 3)
    const reads = sandbox.state.requestLog.filter(
      (entry) => entry.method === 'GET' && entry.path.endsWith('/CreditNotes')
    )
    assert.lengthOf(reads, 2)
    assert.notInclude(String(reads[1].query.where), 'not-an-id')
    assert.deepEqual(sandbox.state.violations, [])
  })
})
