import { Decimal } from 'decimal.js'

/** The payment columns a grid row reads besides its status. */
export const paymentColumns = [
  'payment_state',
  'xero_amount_due',
  'paid_date',
  'xero_type',
] as const

/** How an invoice's payment in Xero is shown beside its status: "Part paid (due 40.00)", "Paid 2026-12-01". */
export function paymentLabelOf(
  state: string | null | undefined,
  amountDue: Decimal.Value | null | undefined,
  paidDate: string | null | undefined,
  xeroType: string | null = null
): string | null {
  if (xeroType === 'ACCRECCREDIT') return 'Credit note'
  if (state === 'part_paid')
    return `Part paid (due ${amountDue === null || amountDue === undefined ? '?' : new Decimal(String(amountDue)).toFixed(2)})`
  if (state === 'paid') return paidDate ? `Paid ${paidDate}` : 'Paid'
  if (state === 'paid_unsent') return 'Paid in Xero (not yet in Autotask)'
  return null
}
