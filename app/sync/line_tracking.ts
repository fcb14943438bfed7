import type InvoiceRecord from '#models/invoice_record'
import type { StoredInvoiceLine } from '#models/invoice_record'
import type Mapping from '#models/mapping'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import type { XeroTrackingInput } from '#integrations/xero/xero_gateway'
import { fitText } from '#sync/text'

/** The Autotask dimensions a line can be tracked by, each mapped to at most one Xero tracking category. */
export const trackingDimensions = ['territory', 'department', 'line_of_business'] as const
export type TrackingDimension = (typeof trackingDimensions)[number]

export const dimensionLabels: Record<TrackingDimension, string> = {
  territory: 'Territory',
  department: 'Department',
  line_of_business: 'Line of business',
}

/**
 * Xero takes at most two tracking categories on a line (xero_accounting.yaml, LineItem.Tracking:
 * "Any LineItem can have a maximum of 2 <TrackingCategory> elements").
 */
export const MAX_TRACKING_CATEGORIES = 2

/** The tracking mappings of a product, and which Autotask ids carry each department and line of business. */
export interface TrackingContext {
  /** dimension → Xero tracking category name */
  categories: Map<TrackingDimension, string>
  /** dimension → (Autotask value id → Xero option name) */
  options: Map<TrackingDimension, Map<string, string>>
  /** billing code id → department id */
  departmentOfCode: Map<string, string>
  /** organizational-level association id → line of business id */
  lineOfBusinessOf: Map<string, string>
}

/** Autotask value ids, each with the ids of what carries it (members), as live lists and the client give them. */
export interface DimensionMembers {
  value: string
  members?: string[]
}

/** Reads the tracking mappings; `members` gives the departments' billing codes and the lines of business' associations. */
export function trackingContextOf(
  mappings: Mapping[],
  members: { department?: DimensionMembers[]; line_of_business?: DimensionMembers[] } = {}
): TrackingContext {
  const categories = new Map<TrackingDimension, string>()
  const options = new Map<TrackingDimension, Map<string, string>>()
  for (const mapping of mappings) {
    if (mapping.kind === 'tracking_category' && isDimension(mapping.autotaskValue)) {
      categories.set(mapping.autotaskValue, mapping.xeroValue)
    } else if (isDimension(mapping.kind)) {
      const values = options.get(mapping.kind) ?? new Map<string, string>()
      values.set(mapping.autotaskValue, mapping.xeroValue)
      options.set(mapping.kind, values)
    }
  }
  // Always in the dimensions' order, whatever order the rows come in: a line's Tracking reads the same each time.
  const ordered = new Map(
    trackingDimensions
      .filter((dimension) => categories.has(dimension))
      .map((dimension) => [dimension, categories.get(dimension)!])
  )
  const reverse = (entries: DimensionMembers[] = []) =>
    new Map(entries.flatMap((entry) => (entry.members ?? []).map((id) => [id, entry.value])))
  return {
    categories: ordered,
    options,
    departmentOfCode: reverse(members.department),
    lineOfBusinessOf: reverse(members.line_of_business),
  }
}

/** The context for a run: departments and lines of business are read from Autotask only when one is tracked. */
export async function loadTrackingContext(mappings: Mapping[], autotask: AutotaskClient) {
  const tracked = new Set(
    mappings.filter((m) => m.kind === 'tracking_category').map((m) => m.autotaskValue)
  )
  const asMembers = (values: { id: number; members: number[] }[]) =>
    values.map((value) => ({ value: String(value.id), members: value.members.map(String) }))
  const [department, lineOfBusiness] = await Promise.all([
    tracked.has('department') ? autotask.departments().then(asMembers) : undefined,
    tracked.has('line_of_business') ? autotask.linesOfBusiness().then(asMembers) : undefined,
  ])
  return trackingContextOf(mappings, { department, line_of_business: lineOfBusiness })
}

/** The Autotask value of one dimension on one line, or null when Autotask gives it none. */
export function dimensionValue(
  dimension: TrackingDimension,
  record: Pick<InvoiceRecord, 'autotaskTerritoryId'>,
  line: StoredInvoiceLine,
  context: Pick<TrackingContext, 'departmentOfCode' | 'lineOfBusinessOf'>
): string | null {
  if (dimension === 'territory')
    return record.autotaskTerritoryId === null ? null : String(record.autotaskTerritoryId)
  if (dimension === 'department')
    return line.billingCodeId === null
      ? null
      : (context.departmentOfCode.get(String(line.billingCodeId)) ?? null)
  const association = line.organizationalLevelAssociationId
  return association ? (context.lineOfBusinessOf.get(String(association)) ?? null) : null
}

export type LineTracking =
  | { ok: true; tracking: XeroTrackingInput[]; untracked: string[] }
  | { ok: false; reason: string; hint: string }

/**
 * The Xero tracking of one line: an option per tracked dimension. A value with no option leaves the
 * line untracked in that category (said in `untracked`) or, when the product says so, faults the invoice.
 */
export function trackLine(
  record: Pick<InvoiceRecord, 'autotaskTerritoryId'>,
  line: StoredInvoiceLine,
  index: number,
  context: TrackingContext,
  unmapped: 'untracked' | 'fault'
): LineTracking {
  const tracking: XeroTrackingInput[] = []
  const untracked: string[] = []
  for (const [dimension, category] of context.categories) {
    const value = dimensionValue(dimension, record, line, context)
    const option = value === null ? undefined : context.options.get(dimension)?.get(value)
    if (option) {
      tracking.push({ name: category, option })
      continue
    }
    const what = `${dimensionLabels[dimension].toLowerCase()} ${value === null ? '(none in Autotask)' : `#${value}`}`
    if (unmapped === 'fault') {
      return {
        ok: false,
        reason: `Line ${index + 1} "${fitText(line.description, 60)}" has ${what}, which is not mapped to a "${category}" option in Xero.`,
        hint: `Map it in Settings → Mappings (tracking: ${dimensionLabels[dimension]} → "${category}"), or let unmapped values go untracked, then resync.`,
      }
    }
    untracked.push(
      `Line ${index + 1} "${fitText(line.description, 60)}" went without a "${category}" option: its ${what} is not mapped.`
    )
  }
  return { ok: true, tracking, untracked }
}

function isDimension(value: string): value is TrackingDimension {
  return (trackingDimensions as readonly string[]).includes(value)
}
