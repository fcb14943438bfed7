import { Decimal } from 'decimal.js'

/** The payment columns a grid row reads besides its status (and what it needs to tell a credit note). */
export const paymentColumns = [
  'payment_state',
  'xero_amount_due',
  'paid_date',
  'xero_type',
] as const

/**
 * Whether an Autotask invoice is, or becomes, a Xero credit note: linked to one, or negative (the
 * credit-note push takes every negative invoice; with credit notes off it faults, still a credit).
 */
export function isCreditNote(
  xeroType: string | null | undefined,
  total: Decimal.Value | null | undefined
): boolean {
  if (xeroType === 'ACCRECCREDIT') return true
  return total !== null && total !== undefined && new Decimal(String(total)).isNegative()
}

/** The kind of Xero document an invoice record is, as people read it (`creditNote`: see isCreditNote). */
export function documentLabelOf(creditNote: boolean): 'Credit note' | 'Invoice' {
  return creditNote ? 'Credit note' : 'Invoice'
}

/**
 * How a document's payment in Xero is shown beside its status: "Part paid (due 40.00)", "Paid 2026-12-01";
 * for a credit note, what is left of its credit: "Part allocated (credit left 40.00)".
 */
export function paymentLabelOf(
  state: string | null | undefined,
  amountDue: Decimal.Value | null | undefined,
  paidDate: string | null | undefined,
  creditNote = false
): string | null {
  const due =
    amountDue === null || amountDue === undefined ? '?' : new Decimal(String(amountDue)).toFixed(2)
  if (state === 'part_paid')
    return creditNote ? `Part allocated (credit left ${due})` : `Part paid (due ${due})`
  if (state === 'paid') return paidDate ? `Paid ${paidDate}` : 'Paid'
  if (state === 'paid_unsent') return 'Paid in Xero (not yet in Autotask)'
  return null
}
