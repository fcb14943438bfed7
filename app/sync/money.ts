import { Decimal } from 'decimal.js'

/**
 * Xero's arithmetic, reproduced exactly so an invoice is checked before it is
 * pushed (see ../shared/reference/README.md "Money"): 4-dp unit amounts and
 * quantities, 2-dp line amounts, tax per line on the rounded line amount, ties
 * away from zero. Never `number` arithmetic.
 */
export type Amount = Decimal | string | number
export type LineAmountTypes = 'Exclusive' | 'Inclusive' | 'NoTax'

const d = (value: Amount) => new Decimal(value)

export const round2 = (value: Amount) => d(value).toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
export const round4 = (value: Amount) => d(value).toDecimalPlaces(4, Decimal.ROUND_HALF_UP)

/** Xero's LineAmount for a quantity and unit amount (both taken at 4 dp). */
export function lineAmount(quantity: Amount, unitAmount: Amount) {
  return round2(round4(quantity).mul(round4(unitAmount)))
}

/** Tax of one line, computed on its rounded line amount at a percentage rate. */
export function lineTax(amount: Amount, ratePercent: Amount, types: LineAmountTypes) {
  if (types === 'NoTax') return new Decimal(0)
  const rate = d(ratePercent)
  if (types === 'Exclusive') return round2(d(amount).mul(rate).div(100))
  return round2(d(amount).mul(rate).div(rate.add(100)))
}

export interface PricedLine {
  quantity: Decimal
  unitAmount: Decimal
  lineAmount: Decimal
  taxAmount: Decimal
}

/** A line as Xero will price it; a negative quantity becomes a negative unit amount (Xero rejects the former). */
export function priceLine(
  quantity: Amount,
  unitAmount: Amount,
  ratePercent: Amount,
  types: LineAmountTypes
): PricedLine {
  let qty = round4(quantity)
  let unit = round4(unitAmount)
  if (qty.isNegative()) {
    qty = qty.abs()
    unit = unit.neg()
  }
  const amount = lineAmount(qty, unit)
  return {
    quantity: qty,
    unitAmount: unit,
    lineAmount: amount,
    taxAmount: lineTax(amount, ratePercent, types),
  }
}

/**
 * Autotask's extended price is not always quantity × rate (block hours). When
 * Xero's line amount would differ, the line is sent as quantity 1 at the
 * extended price, so Xero's figure equals Autotask's to the cent.
 */
export function fitLine(
  quantity: Amount,
  rate: Amount,
  extendedPrice: Amount,
  ratePercent: Amount,
  types: LineAmountTypes
): PricedLine & { collapsed: boolean } {
  const priced = priceLine(quantity, rate, ratePercent, types)
  const target = round2(extendedPrice)
  if (priced.lineAmount.equals(target)) return { ...priced, collapsed: false }
  return { ...priceLine(1, extendedPrice, ratePercent, types), collapsed: true }
}

export interface Totals {
  subTotal: Decimal
  totalTax: Decimal
  total: Decimal
}

export function totals(lines: PricedLine[], types: LineAmountTypes): Totals {
  const lineSum = lines.reduce((sum, line) => sum.add(line.lineAmount), new Decimal(0))
  const totalTax = lines.reduce((sum, line) => sum.add(line.taxAmount), new Decimal(0))
  const subTotal = types === 'Inclusive' ? lineSum.sub(totalTax) : lineSum
  return { subTotal, totalTax, total: subTotal.add(totalTax) }
}

export type TotalsCheck =
  | { ok: true; rounding: null }
  | { ok: true; rounding: Decimal }
  | { ok: false; reason: string; hint: string }

/**
 * The check before pushing: Xero's total must equal Autotask's. A difference
 * within the tolerance becomes a rounding line when the product allows one;
 * anything else faults with both figures.
 */
export function checkTotals(
  autotaskTotal: Amount,
  xeroTotal: Amount,
  currency: string,
  roundingLine: { enabled: boolean; tolerance: Amount }
): TotalsCheck {
  const expected = round2(autotaskTotal)
  const actual = round2(xeroTotal)
  const difference = expected.sub(actual)
  if (difference.isZero()) return { ok: true, rounding: null }
  if (roundingLine.enabled && difference.abs().lte(d(roundingLine.tolerance))) {
    return { ok: true, rounding: difference }
  }
  return {
    ok: false,
    reason: `Invoice amounts do not match: Autotask ${currency} ${expected.toFixed(2)}, Xero would total ${currency} ${actual.toFixed(2)}.`,
    hint: roundingLine.enabled
      ? `The difference (${difference.toFixed(2)}) is above the rounding tolerance (${d(roundingLine.tolerance).toFixed(2)}). Check the invoice's tax and line amounts in Autotask, or raise the tolerance in Settings.`
      : `Turn on the rounding line in Settings to absorb cent differences, or correct the invoice in Autotask.`,
  }
}
