import { Assert } from '@japa/assert'
import type { LucidModel, LucidRow } from '@adonisjs/lucid/types/model'
import SyncLog from '#models/sync_log'

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
