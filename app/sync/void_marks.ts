import db from '@adonisjs/lucid/services/db'
import type { DateTime } from 'luxon'
import type Product from '#models/product'
import { toSqlDateTime } from '#models/columns'

/** Discovery saw a synced invoice voided in Autotask: remember it (once) for the voids pass. */
export async function markVoidedInAutotask(recordId: number, at: DateTime): Promise<boolean> {
  const changed = await db
    .from('invoice_records')
    .where('id', recordId)
    .whereNull('autotask_voided_at')
    .update({ autotask_voided_at: toSqlDateTime(at) })
  return Number(changed) === 1
}

/** What the log line of a void found by discovery says happens next. */
export function voidFollowUp(product: Product, first: boolean, noun = 'invoice'): string {
  if (!first) return 'already noted.'
  return product.effectiveSettings.voidsToXero
    ? `its Xero ${noun} is deleted or voided after this run’s push.`
    : 'void it in Xero too (this product leaves Xero untouched).'
}
