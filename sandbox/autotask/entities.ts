/**
 * The fields of every entity the Autotask sandbox serves. Invoice, BillingItem,
 * PurchaseOrder and PurchaseOrderItem follow the Autotask REST swagger models
 * (shared/reference/autotask_models_extract.json); the others follow Autotask's
 * entity help pages. Every sandbox record carries exactly these fields (null when
 * unset), as Autotask's own answers do.
 */
export const entityFields = {
  Invoices: [
    'id',
    'batchID',
    'comments',
    'companyID',
    'createDateTime',
    'creatorResourceID',
    'dueDate',
    'fromDate',
    'invoiceDateTime',
    'invoiceEditorTemplateID',
    'invoiceNumber',
    'invoiceTotal',
    'isVoided',
    'orderNumber',
    'paidDate',
    'paymentTerm',
    'taxGroup',
    'taxRegionName',
    'toDate',
    'totalTaxValue',
    'voidedByResourceID',
    'voidedDate',
    'webServiceDate',
    'invoiceStatus',
    'invoiceTaxMethodExternalCode',
  ],
  BillingItems: [
    'accountManagerWhenApprovedID',
    'billingCodeID',
    'billingItemType',
    'companyID',
    'configurationItemID',
    'contractBlockID',
    'contractChargeID',
    'contractID',
    'contractServiceAdjustmentID',
    'contractServiceBundleAdjustmentID',
    'contractServiceBundleID',
    'contractServiceBundlePeriodID',
    'contractServiceID',
    'contractServicePeriodID',
    'description',
    'expenseItemID',
    'extendedPrice',
    'id',
    'internalCurrencyExtendedPrice',
    'internalCurrencyRate',
    'internalCurrencyTaxDollars',
    'internalCurrencyTotalAmount',
    'invoiceID',
    'itemApproverID',
    'itemDate',
    'itemName',
    'lineItemFullDescription',
    'lineItemGroupDescription',
    'milestoneID',
    'nonBillable',
    'organizationalLevelAssociationID',
    'ourCost',
    'postedDate',
    'postedOnTime',
    'projectChargeID',
    'projectID',
    'purchaseOrderNumber',
    'quantity',
    'rate',
    'roleID',
    'serviceBundleID',
    'serviceID',
    'sortOrderID',
    'subType',
    'taskID',
    'taxCategoryID',
    'taxDollars',
    'ticketChargeID',
    'ticketID',
    'timeEntryID',
    'totalAmount',
    'vendorID',
    'webServiceDate',
    'userDefinedFields',
  ],
  PurchaseOrders: [
    'id',
    'cancelDateTime',
    'createDateTime',
    'creatorResourceID',
    'externalPONumber',
    'fax',
    'freight',
    'generalMemo',
    'impersonatorCreatorResourceID',
    'internalCurrencyFreight',
    'latestEstimatedArrivalDate',
    'paymentTerm',
    'phone',
    'purchaseForCompanyID',
    'purchaseOrderNumber',
    'purchaseOrderTemplateID',
    'shippingDate',
    'shippingType',
    'shipToAddress1',
    'shipToAddress2',
    'shipToCity',
    'shipToName',
    'shipToPostalCode',
    'shipToState',
    'showEachTaxInGroup',
    'showTaxCategory',
    'status',
    'submitDateTime',
    'taxRegionID',
    'useItemDescriptionsFrom',
    'vendorID',
    'vendorInvoiceNumber',
    'additionalVendorInvoiceNumbers',
  ],
  PurchaseOrderItems: [
    'id',
    'chargeID',
    'contractID',
    'estimatedArrivalDate',
    'internalCurrencyUnitCost',
    'inventoryLocationID',
    'memo',
    'orderID',
    'productID',
    'projectID',
    'quantity',
    'salesOrderID',
    'ticketID',
    'unitCost',
  ],
  Companies: [
    'id',
    'companyName',
    'companyNumber',
    'companyType',
    'isActive',
    'isTaxExempt',
    'taxID',
    'taxRegionID',
    'address1',
    'address2',
    'city',
    'state',
    'postalCode',
    'countryID',
    'phone',
    'webAddress',
    'parentCompanyID',
    'ownerResourceID',
    'createDate',
    'lastActivityDate',
    'lastTrackedModifiedDateTime',
    // The company's invoicing currency, a Currencies id (Multi-currency module; null without it).
    'currencyID',
  ],
  // Currencies: the fields of Autotask's Currencies entity help page
  // (https://www.autotask.net/help/developerhelp/Content/APIs/REST/Entities/CurrenciesEntity.htm):
  // name is the ISO code, read-only; exchangeRate is to the internal currency. Autotask answers a
  // query even when the Multi-currency module is off (then only the internal currency is active).
  Currencies: [
    'id',
    'name',
    'description',
    'displaySymbol',
    'exchangeRate',
    'isActive',
    'isInternalCurrency',
    'currencyPositiveFormat',
    'currencyNegativeFormat',
    'lastModifiedDateTime',
    'updateResourceID',
  ],
  // Contacts: the fields Autotask's Contacts entity help page names that the contact details need.
  Contacts: [
    'id',
    'companyID',
    'firstName',
    'lastName',
    'emailAddress',
    'phone',
    'primaryContact',
    'isActive',
  ],
  TaxRegions: ['id', 'name', 'isActive'],
  Taxes: ['id', 'taxRegionID', 'taxCategoryID', 'taxName', 'taxRate', 'isCompounded'],
  TaxCategories: ['id', 'name', 'description', 'isActive'],
  BillingCodes: [
    'id',
    'name',
    'description',
    'externalNumber',
    'isActive',
    'billingCodeType',
    'useType',
    'unitPrice',
    'taxCategoryID',
    'department',
  ],
} as const

export type SandboxEntity = keyof typeof entityFields

export type SandboxRecord = Record<string, unknown> & { id: number }

export const sandboxEntities = Object.keys(entityFields) as SandboxEntity[]

/** A record of `entity` with every field present: the given values, null for the rest. */
export function blankRecord(
  entity: SandboxEntity,
  values: Record<string, unknown> & { id: number }
): SandboxRecord {
  const record: Record<string, unknown> = {}
  for (const field of entityFields[entity]) {
    record[field] = field === 'userDefinedFields' ? [] : null
  }
  for (const [field, value] of Object.entries(values)) {
    if (!(field in record)) {
      throw new Error(`Sandbox bug: ${entity} has no field ${field}`)
    }
    record[field] = value
  }
  return record as SandboxRecord
}

/** Canonical entity name for a path segment, whatever its case. */
export function entityNamed(name: string): SandboxEntity | null {
  const lower = name.toLowerCase()
  return sandboxEntities.find((entity) => entity.toLowerCase() === lower) ?? null
}

/** Canonical field name of an entity, whatever its case (Autotask field names are case-insensitive). */
export function fieldNamed(entity: SandboxEntity, name: string): string | null {
  const lower = String(name).toLowerCase()
  return (
    (entityFields[entity] as readonly string[]).find((field) => field.toLowerCase() === lower) ??
    null
  )
}
