import { entityFields, type SandboxEntity } from '#sandbox/autotask/entities'
import { seedTerritories } from '#sandbox/autotask/seed'

/**
 * GET /V1.0/{Entity}/entityInformation/fields: one FieldInformationModel per field
 * (shared/reference/autotask_models_extract.json, "FieldInformationModel"; the path shape is in
 * autotask_swagger_paths.partial.json, e.g. /V1.0/ActionTypes/entityInformation/fields).
 * Picklist values follow the same model's PickListValue {value,label,isDefaultValue,sortOrder,
 * parentValue,isActive,isSystem}; values travel as strings, as Autotask sends them.
 */
export interface SandboxPicklistValue {
  value: string
  label: string
  isDefaultValue: boolean
  sortOrder: number
  parentValue: string
  isActive: boolean
  isSystem: boolean
}

/**
 * The picklists the sandbox knows. PurchaseOrders.status: Autotask's system statuses
 * (1 New … 5 Cancelled, as app/integrations/autotask/types.ts purchaseOrderStatuses follows).
 * Companies.territoryID: the territories an admin keeps (Autotask's Companies entity help page marks
 * territoryID a picklist; Admin > Territories adds values), the seed's three.
 * Strict: every other field is a plain field, never a picklist.
 */
export function seedPicklists(): Map<string, SandboxPicklistValue[]> {
  const system = (value: number, label: string): SandboxPicklistValue => ({
    value: String(value),
    label,
    isDefaultValue: value === 1,
    sortOrder: value,
    parentValue: '',
    isActive: true,
    isSystem: true,
  })
  const territories = seedTerritories.map(([value, label]) => ({
    ...system(value, label),
    isDefaultValue: false,
    isSystem: false,
  }))
  return new Map([
    ['Companies.territoryID', territories],
    [
      'PurchaseOrders.status',
      [
        system(1, 'New'),
        system(2, 'Submitted'),
        system(3, 'Received Partial'),
        system(4, 'Received Full'),
        system(5, 'Cancelled'),
      ],
    ],
  ])
}

const INTEGER_FIELDS = /(^id$|ID$|^status$|^paymentTerm$|^shippingType$|^companyType$)/

/** The `fields` array of an entity's field information. */
export function fieldInformation(
  entity: SandboxEntity,
  picklists: Map<string, SandboxPicklistValue[]>
) {
  return (entityFields[entity] as readonly string[]).map((name) => {
    const picklist = picklists.get(`${entity}.${name}`)
    return {
      name,
      dataType: INTEGER_FIELDS.test(name) ? 'integer' : 'string',
      length: 0,
      isRequired: name === 'id',
      isReadOnly: name === 'id',
      isQueryable: true,
      isReference: false,
      referenceEntityType: '',
      isPickList: Boolean(picklist),
      picklistValues: picklist ? picklist.map((value) => ({ ...value })) : null,
      picklistParentValueField: '',
    }
  })
}
