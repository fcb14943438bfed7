/**
 * Autotask REST shapes. Field names follow the swagger models in
 * shared/reference/autotask_models_extract.json; Companies, TaxRegions, Taxes and
 * BillingCodes are not in that extract and follow Autotask's entity help pages.
 * Date-times travel as ISO 8601 strings; money as JSON numbers with up to 4 decimals
 * (convert to a decimal type before doing arithmetic).
 */

export type AutotaskEntity =
  | 'Companies'
  | 'Contacts'
  | 'Invoices'
  | 'BillingItems'
  | 'BillingCodes'
  | 'TaxRegions'
  | 'Taxes'
  | 'TaxCategories'
  | 'PurchaseOrders'
  | 'PurchaseOrderItems'
  | 'Currencies'

/** GET {lookup}/atservicesrest/v1.0/zoneInformation?user=… */
export interface ZoneInformation {
  zoneName: string
  /** base of every API call, ends with "/" (e.g. https://webservices5.autotask.net/atservicesrest/) */
  url: string
  webUrl: string
  ci: number
}

/** GET /v1.0/ThresholdInformation; the timeframe is in minutes. */
export interface ThresholdInformation {
  externalRequestThreshold: number
  requestThresholdTimeframe: number
  currentTimeframeRequestCount: number
}

export type FilterValue = string | number | boolean | null

export type ComparisonOp =
  'eq' | 'noteq' | 'gt' | 'gte' | 'lt' | 'lte' | 'beginsWith' | 'endsWith' | 'contains'

/** One condition of a query, or an and/or group of them. */
export type QueryFilter =
  | { op: ComparisonOp; field: string; value: FilterValue; udf?: boolean }
  | { op: 'exist' | 'notExist'; field: string; udf?: boolean }
  | { op: 'in' | 'notIn'; field: string; value: Array<string | number>; udf?: boolean }
  | { op: 'and' | 'or'; items: QueryFilter[] }

/** The body of POST /v1.0/{Entity}/query (QueryModel). */
export interface QueryModel {
  filter: QueryFilter[]
  includeFields?: string[]
  MaxRecords?: number
}

export interface PageDetails {
  count: number
  requestCount: number
  prevPageUrl: string | null
  nextPageUrl: string | null
}

export interface QueryResult<T> {
  items: T[]
  pageDetails: PageDetails
}

/** Autotask user-defined field values as returned on records. */
export interface UserDefinedField {
  name: string
  value: string | null
}

export interface Invoice {
  id: number
  batchID: number | null
  comments: string | null
  companyID: number
  createDateTime: string | null
  creatorResourceID: number | null
  dueDate: string | null
  fromDate: string | null
  invoiceDateTime: string | null
  invoiceEditorTemplateID: number | null
  /** null while the billing run that produced the invoice is unfinished */
  invoiceNumber: string | null
  invoiceTotal: number | null
  isVoided: boolean
  orderNumber: string | null
  paidDate: string | null
  paymentTerm: number | null
  /** the TaxRegions id of the invoice */
  taxGroup: number | null
  taxRegionName: string | null
  toDate: string | null
  totalTaxValue: number | null
  voidedByResourceID: number | null
  voidedDate: string | null
  webServiceDate: string | null
  invoiceStatus: number | null
  invoiceTaxMethodExternalCode: string | null
}

export interface BillingItem {
  id: number
  invoiceID: number | null
  companyID: number | null
  billingCodeID: number | null
  billingItemType: number | null
  subType: number | null
  itemName: string | null
  description: string | null
  lineItemFullDescription: string | null
  lineItemGroupDescription: string | null
  itemDate: string | null
  postedDate: string | null
  postedOnTime: string | null
  quantity: number | null
  rate: number | null
  /** not always quantity × rate (block hours, adjustments) */
  extendedPrice: number | null
  taxDollars: number | null
  totalAmount: number | null
  ourCost: number | null
  internalCurrencyRate: number | null
  internalCurrencyExtendedPrice: number | null
  internalCurrencyTaxDollars: number | null
  internalCurrencyTotalAmount: number | null
  taxCategoryID: number | null
  nonBillable: boolean | null
  purchaseOrderNumber: string | null
  sortOrderID: number | null
  contractID: number | null
  projectID: number | null
  ticketID: number | null
  taskID: number | null
  timeEntryID: number | null
  webServiceDate: string | null
  userDefinedFields?: UserDefinedField[]
  [field: string]: unknown
}

export interface Company {
  id: number
  companyName: string
  companyNumber: string | null
  companyType: number | null
  isActive: boolean
  isTaxExempt: boolean | null
  taxID: string | null
  taxRegionID: number | null
  address1: string | null
  address2: string | null
  city: string | null
  state: string | null
  postalCode: string | null
  countryID: number | null
  phone: string | null
  webAddress: string | null
  parentCompanyID: number | null
  lastTrackedModifiedDateTime: string | null
  /** the company's invoicing currency, a Currencies id (Multi-currency module; null without it) */
  currencyID: number | null
}

/**
 * GET Currencies (Autotask's Currencies entity help page,
 * https://www.autotask.net/help/developerhelp/Content/APIs/REST/Entities/CurrenciesEntity.htm):
 * `name` is the ISO 4217 code; one currency is the internal one; answered even without the module.
 */
export interface Currency {
  id: number
  name: string
  description: string
  isActive: boolean
  isInternalCurrency: boolean
}

export interface TaxRegion {
  id: number
  name: string
  isActive: boolean
}

/** One tax of a region (a region can compound several). */
export interface Tax {
  id: number
  taxRegionID: number
  taxCategoryID: number
  taxName: string
  taxRate: number
  isCompounded: boolean
}

export interface BillingCode {
  id: number
  name: string
  description: string | null
  externalNumber: string | null
  isActive: boolean
  billingCodeType: number | null
  useType: number | null
  unitPrice: number | null
  taxCategoryID: number | null
}

export interface PurchaseOrder {
  id: number
  cancelDateTime: string | null
  createDateTime: string | null
  creatorResourceID: number | null
  externalPONumber: string | null
  fax: string | null
  freight: number | null
  generalMemo: string | null
  impersonatorCreatorResourceID: number | null
  internalCurrencyFreight: number | null
  latestEstimatedArrivalDate: string | null
  paymentTerm: number | null
  phone: string | null
  purchaseForCompanyID: number | null
  purchaseOrderNumber: string | null
  purchaseOrderTemplateID: number | null
  shippingDate: string | null
  shippingType: number | null
  shipToAddress1: string | null
  shipToAddress2: string | null
  shipToCity: string | null
  shipToName: string | null
  shipToPostalCode: string | null
  shipToState: string | null
  showEachTaxInGroup: boolean | null
  showTaxCategory: boolean | null
  status: number
  submitDateTime: string | null
  taxRegionID: number | null
  useItemDescriptionsFrom: number | null
  vendorID: number
  vendorInvoiceNumber: string | null
  additionalVendorInvoiceNumbers: string | null
}

export interface PurchaseOrderItem {
  id: number
  chargeID: number | null
  contractID: number | null
  estimatedArrivalDate: string | null
  internalCurrencyUnitCost: number | null
  inventoryLocationID: number | null
  memo: string | null
  orderID: number
  productID: number | null
  projectID: number | null
  quantity: number
  salesOrderID: number | null
  ticketID: number | null
  unitCost: number | null
}

/** PurchaseOrders.status picklist values the purchase-order sync follows (cancelled, fully received). */
export const purchaseOrderStatuses = {
  new: 1,
  submitted: 2,
  receivedPartial: 3,
  receivedFull: 4,
  cancelled: 5,
} as const

/** Fields asked of Companies: what the contact matcher and the dashboard need, nothing more. */
export const companyFields = [
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
  'lastTrackedModifiedDateTime',
  'currencyID',
] as const satisfies ReadonlyArray<keyof Company>

/** What the engine needs to talk to one Autotask database (one product). */
export interface AutotaskCredentials {
  username: string
  secret: string
  integrationCode: string
  /** the zone URL stored on the product; skips the zone look-up when present */
  zoneUrl?: string | null
  impersonationResourceId?: number | null
}

/** A cursor for "created or changed after": a Date or an ISO 8601 string. */
export type AutotaskCursor = Date | string

export type ConnectionTestResult =
  { ok: true; zone: ZoneInformation } | { ok: false; reason: string }

export interface PurchaseOrderQuery {
  statuses?: number[]
  changedSince?: AutotaskCursor
}

/** One picklist value of a field (FieldInformationModel.picklistValues in the reference extract). */
export interface PicklistValue {
  value: string
  label: string
  isDefaultValue: boolean
  sortOrder: number
  parentValue: string | null
  isActive: boolean
  isSystem: boolean
}

/** GET /V1.0/{Entity}/entityInformation/fields → {fields: FieldInformation[]} */
export interface FieldInformation {
  name: string
  dataType: string
  isPickList: boolean
  picklistValues: PicklistValue[] | null
}

/** A company's billing contact (Contacts with primaryContact): who receives its invoices. */
export interface BillingContact {
  id: number
  companyID: number
  firstName: string | null
  lastName: string | null
  emailAddress: string | null
}

/** A company as the settings' lists show it: id and name only. */
export interface CompanyName {
  id: number
  companyName: string
  isActive: boolean
}
