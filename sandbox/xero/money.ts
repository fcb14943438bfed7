import { Decimal } from 'decimal.js'
import type { SandboxLineAmountTypes } from '#sandbox/xero/types'

/** Xero rounds half away from zero (2.165 → 2.17); decimal.js calls that ROUND_HALF_UP. */
const Money = Decimal.clone({ rounding: Decimal.ROUND_HALF_UP, precision: 40 })

export interface MoneyLineInput {
  quantity: unknown
  unitAmount: unknown
  lineAmount: unknown
  taxRate: number
  /** percent off Q × U (LineItem.DiscountRate) */
  discountRate?: unknown
  /** amount off Q × U (LineItem.DiscountAmount) */
  discountAmount?: unknown
  /** a TaxAmount given on the line overrides the computed one (LineItem.TaxAmount) */
  taxAmount?: unknown
}

export interface MoneyLineResult {
  quantity: number
  unitAmount: number
  lineAmount: number
  taxAmount: number
  discountRate?: number
  discountAmount?: number
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
 * unitdp=4 (else 2), LineAmount = round2(Qty × Unit × (100 − DiscountRate) / 100),
 * tax per line on the rounded line amount (or the TaxAmount given), totals as
 * sums. A supplied LineAmount or Total must match to the cent.
 */
export function computeDocument(
  lines: MoneyLineInput[],
  lineAmountTypes: SandboxLineAmountTypes,
  unitdp: number,
  suppliedTotal: unknown,
  options: { discounts?: boolean } = { discounts: true }
): MoneyResult {
  const errors: string[] = []
  const unitPlaces = unitdp === 4 ? 4 : 2
  let sumLines = new Money(0)
  let sumTax = new Money(0)
  const results: MoneyLineResult[] = []

  for (const line of lines) {
    const unitSupplied = decimal(line.unitAmount)
    const quantitySupplied = decimal(line.quantity)
    const suppliedLine = decimal(line.lineAmount)
    const discountRate = decimal(line.discountRate)
    const discountAmount = decimal(line.discountAmount)
    if ((discountRate || discountAmount) && !options.discounts) {
      errors.push('Discounts are only supported on sales invoices (ACCREC).')
    }
    if (discountRate && (discountRate.isNegative() || discountRate.gt(100))) {
      errors.push('The discount rate must be between 0 and 100.')
    }
    // "If you wish to omit either the Quantity or UnitAmount you can provide a LineAmount and Xero will
    // calculate the missing amount for you" (LineItem.LineAmount, xero_accounting.yaml); given only a
    // LineAmount, the line is 1 × LineAmount.
    let quantity: Decimal
    let unitAmount: Decimal
    if (suppliedLine && !quantitySupplied && !unitSupplied) {
      quantity = new Money(1)
      unitAmount = suppliedLine.toDecimalPlaces(unitPlaces)
    } else if (suppliedLine && !quantitySupplied && unitSupplied && !unitSupplied.isZero()) {
      unitAmount = unitSupplied.toDecimalPlaces(unitPlaces)
      quantity = suppliedLine.div(unitAmount).toDecimalPlaces(4)
    } else if (suppliedLine && quantitySupplied && !unitSupplied && !quantitySupplied.isZero()) {
      quantity = quantitySupplied.toDecimalPlaces(4)
      unitAmount = suppliedLine.div(quantity).toDecimalPlaces(unitPlaces)
    } else {
      quantity = (quantitySupplied ?? new Money(unitSupplied ? 1 : 0)).toDecimalPlaces(4)
      unitAmount = (unitSupplied ?? new Money(0)).toDecimalPlaces(unitPlaces)
    }
    if (quantity.isNegative()) {
      errors.push(
        'The quantity of a line item cannot be negative. Use a negative unit amount instead.'
      )
    }
    // "LineAmount = Quantity * Unit Amount * ((100 - DiscountRate)/100) or LineAmount = (Quantity *
    // UnitAmount) - DiscountAmount" (LineItem.LineAmount, xero_accounting.yaml).
    let gross = quantity.mul(unitAmount)
    if (discountRate) gross = gross.mul(new Money(100).sub(discountRate)).div(100)
    if (discountAmount) gross = gross.sub(discountAmount)
    const lineAmount = gross.toDecimalPlaces(2)
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
    // "The tax amount is auto calculated ... This value can be overriden if the calculated <TaxAmount>
    // is not correct" (LineItem.TaxAmount, xero_accounting.yaml): a given TaxAmount is kept, to the cent.
    const taxSupplied = decimal(line.taxAmount)
    if (taxSupplied && lineAmountTypes !== 'NoTax') tax = taxSupplied.toDecimalPlaces(2)
    sumLines = sumLines.add(lineAmount)
    sumTax = sumTax.add(tax)
    results.push({
      quantity: quantity.toNumber(),
      unitAmount: unitAmount.toNumber(),
      lineAmount: lineAmount.toNumber(),
      taxAmount: tax.toNumber(),
      discountRate: discountRate?.toNumber(),
      discountAmount: discountAmount?.toNumber(),
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
