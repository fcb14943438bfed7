import { Assert } from '@japa/assert'
import type { LucidModel, LucidRow } from '@adonisjs/lucid/types/model'
import SyncLog from '#models/sync_log'
import InvoiceRecord from '#models/invoice_record'
import { creditNotesOf } from '#sandbox/xero/credit_notes'
import type { SandboxOrganisation } from '#sandbox/xero/types'

/** The messages of a product's log lines with this event, oldest first. */
export async function logMessages(productId: number, event: string) {
  const lines = await SyncLog.query()
    .where('product_id', productId)
    .where('event', event)
    .orderBy('id')
  return lines.map((line) => line.message)
}

/** Asserts the product's log holds exactly these lines for `event`, oldest first. */
export async function assertLogged(
  productId: number,
  event: string,
  messages: string[],
  note?: string
) {
  new Assert().deepEqual(
    await logMessages(productId, event),
    messages,
    note ?? `log lines of ${event}`
  )
}

/** Asserts the status the database holds now for an invoice, purchase order or product (not the copy in hand). */
export async function assertRecordStatus(
  row: LucidRow & { id: number; status: string },
  expected: string,
  note?: string
) {
  const model = row.constructor as LucidModel
  const fresh = (await model.findOrFail(row.id)) as LucidRow & { status: string }
  new Assert().equal(fresh.status, expected, note ?? `status of ${model.name} ${row.id}`)
}

/** What a promise rejected with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail, but it succeeded')
}

/**
 * A product's synced records by the Xero document each became: invoices, and credit notes (its negative
 * invoices, which go to Xero as ACCRECCREDIT credit notes).
 */
export async function syncedByXeroType(productId: number) {
  const synced = await InvoiceRecord.query()
    .where('product_id', productId)
    .where('status', 'synced')
    .orderBy('autotask_id')
  return {
    invoices: synced.filter((record) => record.xeroType === null),
    creditNotes: synced.filter((record) => record.xeroType === 'ACCRECCREDIT'),
  }
}

/**
 * Each of these negative invoices is exactly one credit note in the Xero organisation: linked, under its
 * number (Autotask's, or Xero's own), its total mirrored (a credit note's amounts are positive), and never
 * a Xero invoice. With `expected`, the organisation holds exactly that many live credit notes, no more.
 */
export function assertOneCreditNoteEach(
  org: SandboxOrganisation,
  records: InvoiceRecord[],
  expected?: number
) {
  const assert = new Assert()
  const live = creditNotesOf(org).filter(
    (note) => note.Type === 'ACCRECCREDIT' && !['DELETED', 'VOIDED'].includes(note.Status)
  )
  if (expected !== undefined) {
    assert.lengthOf(records, expected, 'negative invoices that became credit notes')
    assert.lengthOf(live, expected, 'credit notes in Xero')
  }
  for (const record of records) {
    const notes = live.filter((note) =>
      [record.invoiceNumber, record.xeroInvoiceNumber].includes(note.CreditNoteNumber)
    )
    assert.lengthOf(notes, 1, `one credit note for ${record.invoiceNumber}`)
    assert.equal(notes[0].CreditNoteID, record.xeroInvoiceId, `${record.invoiceNumber} is linked`)
    assert.equal(notes[0].Total.toFixed(2), record.total.neg().toFixed(2))
    assert.isFalse(
      org.invoices.some((invoice) => invoice.InvoiceNumber === record.invoiceNumber),
      `no Xero invoice for ${record.invoiceNumber}`
    )
  }
}
