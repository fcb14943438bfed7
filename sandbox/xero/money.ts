import { Decimal } from 'decimal.js'
import type { SandboxLineAmountTypes } from '#sandbox/xero/types'

/** Xero rounds half away from zero (2.165 → 2.17); decimal.js calls that ROUND_HALF_UP. */
const Money = Decimal.clone({ rounding: Decimal.ROUND_HALF_UP, precision: 40 })

export interface MoneyLineInput {
  quantity: unknown
  unitAmount: unknown
  lineAmount: unknown
  taxRate: number
}

export interface MoneyLineResult {
  quantity: number
  unitAmount: number
  lineAmount: number
  taxAmount: number
}

export interface MoneyResult {
  lines: MoneyLineResult[]
  subTotal: number
  totalTax: number
  total: number
  errors: string[]
}

function decimal(value: unknown): Decimal | null {
  if (value === undefined || value === null || value === '') return null
  try {
    const parsed = new Money(value as Decimal.Value)
    return parsed.isFinite() ? parsed : null
  } catch {
    return null
  }
}

/**
 * Xero's invoice arithmetic (reference/README.md "Money"): 4-dp units with
 * unitdp=4 (else 2), LineAmount = round2(Qty × Unit), tax per line on the
 * rounded line amount, totals as sums. A supplied LineAmount or Total must
 * match to the cent.
 */
export function computeDocument(
  lines: MoneyLineInput[],
  lineAmountTypes: SandboxLineAmountTypes,
  unitdp: number,
  suppliedTotal: unknown
): MoneyResult {
  const errors: string[] = []
  const unitPlaces = unitdp === 4 ? 4 : 2
  let sumLines = new Money(0)
  let sumTax = new Money(0)
  const results: MoneyLineResult[] = []

  for (const line of lines) {
    const unitSupplied = decimal(line.unitAmount)
    const quantitySupplied = decimal(line.quantity)
    const quantity = (quantitySupplied ?? new Money(unitSupplied ? 1 : 0)).toDecimalPlaces(4)
    const unitAmount = (unitSupplied ?? new Money(0)).toDecimalPlaces(unitPlaces)
    if (quantity.isNegative()) {
      errors.push(
        'The quantity of a line item cannot be negative. Use a negative unit amount instead.'
      )
    }
    const lineAmount = quantity.mul(unitAmount).toDecimalPlaces(2)
    const suppliedLine = decimal(line.lineAmount)
    if (suppliedLine && !suppliedLine.toDecimalPlaces(2).eq(lineAmount)) {
      errors.push(
        `The line total ${suppliedLine.toFixed(2)} does not match the expected line total ${lineAmount.toFixed(2)}`
      )
    }
    const rate = new Money(line.taxRate)
    let tax = new Money(0)
    if (lineAmountTypes === 'Exclusive') tax = lineAmount.mul(rate).div(100).toDecimalPlaces(2)
    if (lineAmountTypes === 'Inclusive')
      tax = lineAmount.mul(rate).div(rate.add(100)).toDecimalPlaces(2)
    sumLines = sumLines.add(lineAmount)
    sumTax = sumTax.add(tax)
    results.push({
      quantity: quantity.toNumber(),
      unitAmount: unitAmount.toNumber(),
      lineAmount: lineAmount.toNumber(),
      taxAmount: tax.toNumber(),
    })
  }

  const subTotal = lineAmountTypes === 'Inclusive' ? sumLines.sub(sumTax) : sumLines
  const total = lineAmountTypes === 'Inclusive' ? sumLines : sumLines.add(sumTax)
  const supplied = decimal(suppliedTotal)
  if (supplied && !supplied.toDecimalPlaces(2).eq(total)) {
    errors.push('The document total does not equal the sum of the lines.')
  }
  if (total.isNegative()) {
    errors.push('The document total cannot be negative. Use a credit note instead.')
  }
  return {
    lines: results,
    subTotal: subTotal.toNumber(),
    totalTax: sumTax.toNumber(),
    total: total.toNumber(),
    errors,
  }
}
