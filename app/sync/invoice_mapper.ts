import { Decimal } from 'decimal.js'
import type InvoiceRecord from '#models/invoice_record'
import type { ProductSettings } from '#models/product'
import type { XeroInvoiceInput, XeroLineItemInput } from '#integrations/xero/xero_gateway'
import { DEFAULT_MAPPING_VALUE } from '#enums/sync'
import { checkTotals, fitLine, priceLine, totals, type PricedLine } from '#sync/money'
import { fitText } from '#sync/text'
import { currencyProblem, inAutotaskCurrency, type RunCurrencies } from '#sync/currencies'
import { checkTax, linesForStatus } from '#sync/tax_check'
import syncConfig from '#config/sync'
import { trackLine, type TrackingContext } from '#sync/line_tracking'

/** The product's mappings and Xero's tax rates, loaded once per run. */
export interface MappingContext {
  /** Autotask tax region id (or 'exempt') → Xero tax type */
  taxTypes: Map<string, string>
  /** Autotask billing code id (or '*') → Xero account code */
  accounts: Map<string, string>
  /** Autotask billing code id → Xero item code (the line takes the item's code) */
  items?: Map<string, string>
  /** Xero tax type → rate in percent */
  taxRates: Map<string, Decimal>
  /** the tracked dimensions and their options (none: lines go untracked) */
  tracking?: TrackingContext
  /** Autotask invoice template id → Xero branding theme id (else the product's theme) */
  brandingThemes?: Map<string, string>
  settings: ProductSettings
  /** this run's currencies (Autotask's, the organisation's enabled ones), read when a record needs them */
  currencies?: RunCurrencies
}

export type MappedInvoice =
  | {
      ok: true
      input: XeroInvoiceInput
      total: Decimal
      reference: string | null
      notes: string[]
      /** one sentence per line no mapping covered, sent to the uncoded account */
      uncoded: string[]
      /** one sentence per tracking category a line went without (its value is not mapped) */
      untracked: string[]
    }
  | { ok: false; reason: string; hint: string }

/** Xero's longest line description (its API documentation; the OpenAPI contract gives none). */
export const MAX_DESCRIPTION = 4000

/** Lines that carry no tax go out with this tax type unless 'exempt' is mapped. */
const NO_TAX = 'NONE'

/**
 * Turns our copy of an Autotask invoice into the Xero invoice it must become,
 * or says in plain words why it cannot (an unmapped tax region or billing code,
 * amounts that would not add up). Checks Xero's arithmetic before anything is sent.
 */
export function mapInvoice(
  record: InvoiceRecord,
  contactId: string,
  context: MappingContext
): MappedInvoice {
  const { settings } = context
  const lines = record.lines ?? []
  if (!record.invoiceNumber) {
    return {
      ok: false,
      reason: 'The invoice has no number yet.',
      hint: 'Wait for the billing run to finish in Autotask.',
    }
  }
  if (lines.length === 0) {
    return {
      ok: false,
      reason: 'The invoice has no lines.',
      hint: 'Check the invoice in Autotask, then resync it.',
    }
  }
  const currency = currencyProblem(record, 'invoice', context.currencies)
  if (currency) return { ok: false, ...currency }
  if (record.total.isNegative()) {
    return {
      ok: false,
      reason: `The invoice total is negative (${record.currency} ${record.total.toFixed(2)}); Xero needs a credit note for that.`,
      hint: 'Turn on credit notes in Settings and resync it, or enter the credit note in Xero by hand and skip this invoice.',
    }
  }

  const items: XeroLineItemInput[] = []
  const priced: PricedLine[] = []
  const notes: string[] = []
  const uncoded: string[] = []
  const untracked: string[] = []
  for (const [index, line] of lines.entries()) {
    const taxType = taxTypeFor(record, line.taxDollars, context)
    if (!taxType.ok) return taxType
    const rate = context.taxRates.get(taxType.value)
    if (!rate) {
      return {
        ok: false,
        reason: `Xero has no active tax rate "${taxType.value}".`,
        hint: 'The mapped tax rate was deleted or archived in Xero: map the tax region again in Settings → Mappings.',
      }
    }
    const code = line.billingCodeId !== null ? String(line.billingCodeId) : null
    const itemCode = code !== null ? context.items?.get(code) : undefined
    const specific = code !== null ? context.accounts.get(code) : undefined
    // An item-mapped line takes its account from the item unless the billing code names one.
    let account = itemCode ? specific : (specific ?? context.accounts.get(DEFAULT_MAPPING_VALUE))
    if (!account && !itemCode && settings.uncodedAccountCode) {
      account = settings.uncodedAccountCode
      uncoded.push(
        `Line ${index + 1} "${fitText(line.description, 60)}" (billing code ${code ?? 'none'}) went to the uncoded account ${account}: no mapping covers it.`
      )
    }
    if (!account && !itemCode) {
      return {
        ok: false,
        reason: `Billing code ${line.billingCodeId ?? '(none)'} of line "${fitText(line.description, 60)}" has no Xero account, and there is no default account.`,
        hint: 'Map the billing code (to an account or an item), set a default account, or name an uncoded account, in Settings.',
      }
    }
    const tracked = context.tracking
      ? trackLine(record, line, index, context.tracking, settings.trackingUnmapped)
      : null
    if (tracked && !tracked.ok) return tracked
    if (tracked) untracked.push(...tracked.untracked)
    const fitted = fitLine(line.quantity, line.rate, line.extendedPrice, rate, 'Exclusive')
    priced.push(fitted)
    const description = fitted.collapsed
      ? `${fitText(line.description, MAX_DESCRIPTION - 100)} (${new Decimal(line.quantity).toString()} × ${new Decimal(line.rate).toString()})`
      : fitText(line.description, MAX_DESCRIPTION)
    if (!description.startsWith(line.description)) {
      notes.push(
        `The description of line ${index + 1} is longer than Xero's ${MAX_DESCRIPTION} characters: Xero gets it cut, ending in "…"; the full text stays in Autotask and in our copy.`
      )
    }
    items.push({
      description,
      quantity: fitted.quantity.toFixed(4),
      unitAmount: fitted.unitAmount.toFixed(4),
      lineAmount: fitted.lineAmount.toFixed(2),
      accountCode: account,
      ...(itemCode ? { itemCode } : {}),
      taxType: taxType.value,
      ...(tracked?.tracking.length ? { tracking: tracked.tracking } : {}),
    })
  }

  const tax = checkTax(record, lines, priced, items, context.taxRates)
  if (!tax.ok) return tax
  const kept = linesForStatus(
    settings.invoiceStatus === 'DRAFT' ? 'DRAFT' : 'AUTHORISED',
    items,
    priced
  )
  items.splice(0, items.length, ...kept.items)
  priced.splice(0, priced.length, ...kept.priced)
  notes.push(...kept.notes)
  let sum = totals(priced, 'Exclusive')
  const check = checkTotals(record.total, sum.total, record.currency, {
    enabled: settings.roundingLine.enabled && Boolean(settings.roundingLine.accountCode),
    tolerance: settings.roundingLine.tolerance,
  })
  if (!check.ok) return check
  if (check.rounding) {
    const rounding = priceLine(1, check.rounding, 0, 'Exclusive')
    priced.push(rounding)
    items.push({
      description: 'Rounding',
      quantity: '1.0000',
      unitAmount: rounding.unitAmount.toFixed(4),
      lineAmount: rounding.lineAmount.toFixed(2),
      accountCode: settings.roundingLine.accountCode!,
      taxType: context.taxTypes.get('exempt') ?? NO_TAX,
    })
    sum = totals(priced, 'Exclusive')
  }

  const reference = referenceFor(record, settings)
  const status = settings.invoiceStatus === 'DRAFT' ? 'DRAFT' : 'AUTHORISED'
  return {
    ok: true,
    total: sum.total,
    reference,
    notes,
    uncoded,
    untracked,
    input: {
      type: 'ACCREC',
      contact: { contactId },
      invoiceNumber: numberFor(record, settings) ?? undefined,
      reference: reference ?? undefined,
      date: record.invoiceDate?.toISODate() ?? undefined,
      dueDate:
        settings.dueDateSource === 'autotask'
          ? (record.dueDate?.toISODate() ?? undefined)
          : undefined,
      status,
      lineAmountTypes: 'Exclusive',
      // Named only when Autotask names it (Multi-currency): otherwise Xero's base currency, as before.
      ...(inAutotaskCurrency(record) ? { currencyCode: record.currency } : {}),
      lineItems: items,
      total: sum.total.toFixed(2),
      sentToContact: settings.invoiceStatus === 'AUTHORISED_SENT' ? true : undefined,
      ...brandingThemeOf(record, context),
      url: invoiceMarker(record),
    },
  }
}

/** The invoice template's theme when one is mapped, else the product's (none: Xero's default). */
function brandingThemeOf(record: InvoiceRecord, context: MappingContext) {
  const template = record.autotaskInvoiceTemplateId
  const theme =
    (template !== null && template !== undefined
      ? context.brandingThemes?.get(String(template))
      : undefined) ?? context.settings.brandingThemeId
  return theme ? { brandingThemeId: theme } : {}
}

/** Which Autotask invoice a Xero invoice is, as our marker on it says. */
export interface InvoiceMark {
  productId: number
  recordId: number
  autotaskId: number
}

/**
 * Our marker on a Xero invoice, in its Url ("Go to …" in Xero, opening the record here): unique per
 * Autotask invoice, so a look-up (or the orphan reconciler) never takes one invoice's copy for another's.
 */
export function invoiceMarker(record: InvoiceRecord) {
  const base = syncConfig.appUrl.replace(/\/+$/, '')
  // A record not stored yet (a preview of a new invoice) has no id: the marker says so.
  return `${base}/products/${record.productId}/invoices/${record.id ?? 'new'}?autotaskInvoiceId=${record.autotaskId}`
}

/** The marker read back from a Xero invoice's Url (whatever host the app had then), or null when it has none. */
export function readInvoiceMarker(url: string | null | undefined): InvoiceMark | null {
  const match = /\/products\/(\d+)\/invoices\/(\d+)\?autotaskInvoiceId=(\d+)$/.exec(url ?? '')
  return match
    ? { productId: Number(match[1]), recordId: Number(match[2]), autotaskId: Number(match[3]) }
    : null
}

/** Whether a Xero invoice carries this record's marker. */
export function isMarkedFor(url: string | null | undefined, record: InvoiceRecord) {
  const mark = readInvoiceMarker(url)
  if (!mark) return false
  return (
    mark.productId === record.productId &&
    mark.recordId === record.id &&
    mark.autotaskId === record.autotaskId
  )
}

/** The invoice number Xero gets: Autotask's, Autotask's with a prefix, or none (Xero numbers it). */
export function numberFor(record: InvoiceRecord, settings: ProductSettings) {
  if (!record.invoiceNumber || settings.numbering === 'xero') return null
  return settings.numbering === 'prefix'
    ? `${settings.numberPrefix}${record.invoiceNumber}`
    : record.invoiceNumber
}

/** The reference: the Autotask PO number when asked and present, else the Autotask invoice number. */
export function referenceFor(record: InvoiceRecord, settings: ProductSettings) {
  if (settings.referenceFromPoNumber && record.purchaseOrderNumber)
    return record.purchaseOrderNumber
  return record.invoiceNumber
}

function taxTypeFor(
  record: InvoiceRecord,
  taxDollars: string,
  context: MappingContext
): { ok: true; value: string } | { ok: false; reason: string; hint: string } {
  if (new Decimal(taxDollars).isZero())
    return { ok: true, value: context.taxTypes.get('exempt') ?? NO_TAX }
  const regionId = record.autotaskTaxRegionId
  const mapped = regionId !== null ? context.taxTypes.get(String(regionId)) : undefined
  if (mapped) return { ok: true, value: mapped }
  const name = record.autotaskTaxRegionName ?? `#${regionId ?? '?'}`
  return {
    ok: false,
    reason: `Tax region "${name}" is not mapped to a Xero tax rate.`,
    hint: `Map it in Settings → Mappings (Autotask tax region "${name}" → a Xero tax rate), then resync.`,
  }
}
