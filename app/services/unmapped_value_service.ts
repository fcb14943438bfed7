import { inject } from '@adonisjs/core'
import { Decimal } from 'decimal.js'
import type Product from '#models/product'
import InvoiceRecord from '#models/invoice_record'
import Mapping from '#models/mapping'
import { DEFAULT_MAPPING_VALUE } from '#enums/sync'
import RecordStatusService from '#services/record_status_service'
import LiveListService from '#services/live_list_service'
import {
  dimensionLabels,
  dimensionValue,
  trackingContextOf,
  type TrackingDimension,
} from '#sync/line_tracking'

/** An Autotask value seen on waiting or faulted invoices that no mapping covers. */
export interface UnmappedValue {
  kind: 'tax_region' | 'billing_code' | TrackingDimension
  value: string
  label: string
  pending: number
  faulted: number
}

/**
 * What the mappings miss, read from the invoices themselves: tax regions, billing codes and values of
 * tracked dimensions on pending and faulted invoices that nothing maps, and how many invoices each holds back.
 */
@inject()
export default class UnmappedValueService {
  constructor(
    protected statuses: RecordStatusService,
    protected liveLists: LiveListService
  ) {}

  async list(product: Product): Promise<UnmappedValue[]> {
    return (await this.scan(product)).values
  }

  /** Moves the faulted invoices that an unmapped value held back to pending (one action, each move logged). */
  async resyncHeldBack(product: Product, actor: string) {
    const { values, held } = await this.scan(product)
    const covered = new Set(values.map((value) => `${value.kind}:${value.value}`))
    let moved = 0
    for (const { record, keys } of held) {
      if (record.status !== 'fault') continue
      // Still held back by a value nothing maps: a resync would only fault again.
      if (keys.some((key) => covered.has(key))) continue
      const result = await this.statuses.apply('invoice', record, 'resync', actor)
      if (result.ok) moved++
    }
    return { moved }
  }

  /** Faulted invoices whose fault was a mapping one, and what each is still missing. */
  protected async scan(product: Product) {
    const mappings = await Mapping.query().where('product_id', product.id)
    const mapped = (kind: string) =>
      new Set(mappings.filter((m) => m.kind === kind).map((m) => m.autotaskValue))
    const regions = mapped('tax_region')
    const accounts = mapped('billing_code')
    const items = mapped('billing_code_item')
    const settings = product.effectiveSettings
    const everyCodeCovered =
      accounts.has(DEFAULT_MAPPING_VALUE) || Boolean(settings.uncodedAccountCode)

    const tracking = await this.trackingOf(product, mappings)
    const records = await InvoiceRecord.query()
      .where('product_id', product.id)
      .whereIn('status', ['pending', 'fault'])
      .whereNotNull('invoice_number')
    const found = new Map<string, UnmappedValue>()
    const held: { record: InvoiceRecord; keys: string[] }[] = []
    for (const record of records) {
      const missing = new Map<string, Omit<UnmappedValue, 'pending' | 'faulted'>>()
      // Tax: only taxed lines need the region mapped (untaxed ones take the 'exempt' mapping).
      const taxed = (record.lines ?? []).some((line) => !new Decimal(line.taxDollars).isZero())
      if (taxed && record.autotaskTaxRegionId !== null) {
        const value = String(record.autotaskTaxRegionId)
        if (!regions.has(value)) {
          missing.set(`tax_region:${value}`, {
            kind: 'tax_region',
            value,
            label: record.autotaskTaxRegionName ?? `Tax region #${value}`,
          })
        }
      }
      if (!everyCodeCovered) {
        for (const line of record.lines ?? []) {
          const value = line.billingCodeId === null ? '' : String(line.billingCodeId)
          if (value && (accounts.has(value) || items.has(value))) continue
          missing.set(`billing_code:${value}`, {
            kind: 'billing_code',
            value,
            label: value ? `Billing code #${value}` : 'Lines without a billing code',
          })
        }
      }
      for (const line of record.lines ?? []) {
        for (const dimension of tracking.context.categories.keys()) {
          const value = dimensionValue(dimension, record, line, tracking.context)
          if (value === null || tracking.context.options.get(dimension)?.has(value)) continue
          missing.set(`${dimension}:${value}`, {
            kind: dimension,
            value,
            label:
              tracking.labels.get(`${dimension}:${value}`) ??
              `${dimensionLabels[dimension]} #${value}`,
          })
        }
      }
      const faultedByMapping =
        record.status === 'fault' &&
        /is not mapped to a Xero tax rate|has no Xero account|which is not mapped to a ".*" option in Xero/.test(
          record.faultReason ?? ''
        )
      if (faultedByMapping) held.push({ record, keys: [...missing.keys()] })
      for (const [key, value] of missing) {
        const entry = found.get(key) ?? { ...value, pending: 0, faulted: 0 }
        if (record.status === 'fault') entry.faulted++
        else entry.pending++
        found.set(key, entry)
      }
    }
    const values = [...found.values()].sort(
      (a, b) => b.faulted + b.pending - (a.faulted + a.pending) || a.label.localeCompare(b.label)
    )
    return { values, held }
  }

  /** The tracked dimensions, their values' names, and which billing codes and associations carry each (cached lists). */
  protected async trackingOf(product: Product, mappings: Mapping[]) {
    const context = trackingContextOf(mappings)
    if (context.categories.size === 0) return { context, labels: new Map<string, string>() }
    const lists = await this.liveLists.lists(product, [
      'autotask_territories',
      'autotask_departments',
      'autotask_lines_of_business',
    ])
    const labels = new Map<string, string>()
    const named = {
      territory: lists.autotask_territories,
      department: lists.autotask_departments,
      line_of_business: lists.autotask_lines_of_business,
    }
    for (const [dimension, list] of Object.entries(named)) {
      for (const entry of list.entries) labels.set(`${dimension}:${entry.value}`, entry.label)
    }
    return {
      context: trackingContextOf(mappings, {
        department: lists.autotask_departments.entries,
        line_of_business: lists.autotask_lines_of_business.entries,
      }),
      labels,
    }
  }
}
