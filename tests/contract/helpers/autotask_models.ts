import { readFileSync } from 'node:fs'
import app from '@adonisjs/core/services/app'

/**
 * The Autotask model extract in shared/reference, read as the contract: what the
 * client sends and what the sandbox answers must use these field names.
 */
const extract = JSON.parse(
  readFileSync(app.makePath('..', 'shared', 'reference', 'autotask_models_extract.json'), 'utf8')
) as Record<string, unknown>

function modelKeys(prefix: string): string[] {
  const key = Object.keys(extract).find(
    (candidate) => candidate === prefix || candidate.startsWith(`${prefix} `)
  )
  if (!key) throw new Error(`The Autotask model extract has no ${prefix}`)
  const model = extract[key]
  return Array.isArray(model)
    ? (model as string[])
    : Object.keys(model as object).filter((name) => !name.startsWith('_'))
}

/** Entities whose model the extract holds, keyed by their REST path name. */
export const modelFields: Record<string, string[]> = {
  Invoices: modelKeys('InvoiceModel'),
  BillingItems: modelKeys('BillingItemModel'),
  PurchaseOrders: modelKeys('PurchaseOrderModel'),
  PurchaseOrderItems: modelKeys('PurchaseOrderItemModel'),
}

export const queryModelFields = modelKeys('QueryModel')
export const zoneInformationFields = modelKeys('ZoneInformationResultModel')
export const thresholdFields = modelKeys('ThresholdStatusResultModel')
export const markupFields = modelKeys('InvoiceMarkupResultModel')
export const pagingFields = modelKeys('PagingModel')
export const fieldInformationFields = modelKeys('FieldInformationModel')
/** PickListValue's keys, as the extract lists them inside FieldInformationModel.picklistValues. */
export const picklistValueFields = String(
  (extract[Object.keys(extract).find((key) => key.startsWith('FieldInformationModel'))!] as any)
    .picklistValues
)
  .replace(/^[^{]*\{|\}.*$/g, '')
  .split(',')

export const filterOps = [
  'eq',
  'noteq',
  'gt',
  'gte',
  'lt',
  'lte',
  'beginsWith',
  'endsWith',
  'contains',
  'exist',
  'notExist',
  'in',
  'notIn',
  'and',
  'or',
]

/** Every field named anywhere in a filter, and every op used, nested groups included. */
export function filterParts(filter: unknown): { fields: string[]; ops: string[] } {
  const fields: string[] = []
  const ops: string[] = []
  const walk = (conditions: unknown) => {
    for (const condition of (conditions as Array<Record<string, unknown>>) ?? []) {
      ops.push(String(condition.op))
      if (Array.isArray(condition.items) && condition.items.length) walk(condition.items)
      else fields.push(String(condition.field))
    }
  }
  walk(filter)
  return { fields, ops }
}
