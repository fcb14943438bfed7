import { Decimal } from 'decimal.js'
import type InvoiceRecord from '#models/invoice_record'
import type { StoredInvoiceLine } from '#models/invoice_record'
import type { XeroLineItemInput } from '#integrations/xero/xero_gateway'
import type { PricedLine } from '#sync/money'

type Fault = { ok: false; reason: string; hint: string }

/** Half a cent a line: what rounding each line's tax (Xero) rather than the whole (or vice versa) can move. */
const HALF_CENT = new Decimal('0.005')

/**
 * Xero's tax against Autotask's, per Xero tax type (one per Autotask tax region, plus the untaxed lines),
 * before any rounding line is considered: a region mapped to the wrong rate faults here instead of being
 * swallowed by the rounding line. Allowed difference: half a cent per line of the group, plus half a cent.
 */
export function checkTax(
  record: InvoiceRecord,
  lines: StoredInvoiceLine[],
  priced: PricedLine[],
  items: XeroLineItemInput[],
  taxRates: Map<string, Decimal>
): { ok: true } | Fault {
  const groups = new Map<
    string,
    { autotask: Decimal; xero: Decimal; net: Decimal; count: number }
  >()
  for (const [index, line] of lines.entries()) {
    const taxType = items[index]?.taxType ?? 'NONE'
    const group = groups.get(taxType) ?? {
      autotask: new Decimal(0),
      xero: new Decimal(0),
      net: new Decimal(0),
      count: 0,
    }
    group.autotask = group.autotask.add(line.taxDollars)
    group.xero = group.xero.add(priced[index].taxAmount)
    group.net = group.net.add(priced[index].lineAmount)
    group.count++
    groups.set(taxType, group)
  }
  for (const [taxType, group] of groups) {
    const allowed = HALF_CENT.mul(group.count + 1)
    if (group.autotask.minus(group.xero).abs().lte(allowed)) continue
    const rate = taxRates.get(taxType) ?? new Decimal(0)
    const taxed = !group.autotask.isZero()
    const region = taxed
      ? `tax region "${record.autotaskTaxRegionName ?? `#${record.autotaskTaxRegionId ?? '?'}`}"`
      : 'untaxed lines ("exempt")'
    const autotaskRate = group.net.isZero()
      ? null
      : group.autotask.div(group.net).mul(100).toDecimalPlaces(2)
    return {
      ok: false,
      reason: `Tax does not match: Autotask ${record.currency} ${group.autotask.toFixed(2)}${
        autotaskRate ? ` (${autotaskRate.toString()} %)` : ''
      }, Xero would charge ${record.currency} ${group.xero.toFixed(2)} at ${rate.toString()} % (${taxType}): check the mapping of ${region}.`,
      hint: `In Settings → Mappings, map ${region} to the Xero tax rate Autotask charges, then resync. The rounding line never absorbs a tax difference.`,
    }
  }
  return { ok: true }
}

/**
 * Lines worth 0.00 in Xero (zero amounts, and sub-cent ones that round to nothing): kept on a draft,
 * where Xero takes them and a person may still edit; left off an approved invoice, which Xero is
 * reported to refuse with them, with a note naming them (they change no total; Autotask keeps them).
 * An invoice made only of such lines keeps them all.
 */
export function linesForStatus(
  status: 'DRAFT' | 'AUTHORISED',
  items: XeroLineItemInput[],
  priced: PricedLine[]
): { items: XeroLineItemInput[]; priced: PricedLine[]; notes: string[] } {
  const zero = priced.map((line) => line.lineAmount.isZero() && line.taxAmount.isZero())
  if (status === 'DRAFT' || !zero.includes(true) || zero.every(Boolean))
    return { items, priced, notes: [] }
  const dropped = items.filter((_, index) => zero[index])
  const named = dropped
    .slice(0, 5)
    .map((item) => `"${(item.description ?? '').slice(0, 60)}"`)
    .join(', ')
  return {
    items: items.filter((_, index) => !zero[index]),
    priced: priced.filter((_, index) => !zero[index]),
    notes: [
      `${dropped.length} line(s) worth 0.00 left off the approved Xero invoice (Xero refuses them there): ${named}${
        dropped.length > 5 ? ', …' : ''
      }. They stay in Autotask and in our copy.`,
    ],
  }
}
