import InvoiceRecord from '#models/invoice_record'
import PurchaseOrderRecord from '#models/purchase_order_record'

export type AnyRecord = InvoiceRecord | PurchaseOrderRecord

/** The named routes of one kind's tab, its dialog and each action a person takes on a record. */
interface RecordRoutes {
  index: 'invoices.index' | 'purchase_orders.index'
  show: 'invoices.show' | 'purchase_orders.show'
  export: 'invoices.export' | 'purchase_orders.export'
  resync: 'invoices.resync' | 'purchase_orders.resync'
  skip: 'invoices.skip' | 'purchase_orders.skip'
  unskip: 'invoices.unskip' | 'purchase_orders.unskip'
  diagnose: 'invoices.diagnose' | 'purchase_orders.diagnose'
  release: 'invoices.release' | 'purchase_orders.release'
}

/** Everything in which an invoice and a purchase order differ; the rest of the code asks this registry. */
export interface RecordKindSpec {
  model: typeof InvoiceRecord | typeof PurchaseOrderRecord
  table: string
  /** the sync_logs column, and its model attribute, that points at a record of this kind */
  logColumn: string
  logAttribute: 'invoiceRecordId' | 'purchaseOrderRecordId'
  /** in running text: "a purchase order", "purchase orders" */
  label: string
  pluralLabel: string
  /** as a heading: "Purchase order 123", and the export's sheet name */
  title: string
  pluralTitle: string
  /** column headings of the grid and of the export */
  numberHeading: string
  numberExportHeading: string
  partyHeading: string
  /** the Xero document it becomes, in running text: "invoice", "credit note", "document" */
  xeroNounOf(record: AnyRecord): string
  /** the tab's URL segment; its route names, views folder (pages/<plural>/) and export file name */
  path: string
  plural: 'invoices' | 'purchase_orders'
  routes: RecordRoutes
  /** only invoices have an Autotask HTML copy to show beside Xero's */
  hasOriginals: boolean
  numberColumn: string
  partyColumn: string
  dateColumn: string
  xeroNumberColumn: string
  xeroIdColumn: string
  /** this record's own name, in running text and as a heading: "credit note" for a negative invoice */
  labelOf(record: AnyRecord): string
  titleOf(record: AnyRecord): string
  numberOf(record: AnyRecord): string | null
  partyOf(record: AnyRecord): string | null
  xeroIdOf(record: AnyRecord): string | null
  xeroNumberOf(record: AnyRecord): string | null
}

const invoice: RecordKindSpec = {
  model: InvoiceRecord,
  table: 'invoice_records',
  logColumn: 'invoice_record_id',
  logAttribute: 'invoiceRecordId',
  label: 'invoice',
  pluralLabel: 'invoices',
  title: 'Invoice',
  pluralTitle: 'Invoices',
  numberHeading: 'Invoice',
  numberExportHeading: 'Invoice number',
  partyHeading: 'Company',
  xeroNounOf: (record) => (record as InvoiceRecord).documentLabel.toLowerCase(),
  path: 'invoices',
  plural: 'invoices',
  routes: {
    index: 'invoices.index',
    show: 'invoices.show',
    export: 'invoices.export',
    resync: 'invoices.resync',
    skip: 'invoices.skip',
    unskip: 'invoices.unskip',
    diagnose: 'invoices.diagnose',
    release: 'invoices.release',
  },
  hasOriginals: true,
  numberColumn: 'invoice_number',
  partyColumn: 'company_name',
  dateColumn: 'invoice_date',
  xeroNumberColumn: 'xero_invoice_number',
  xeroIdColumn: 'xero_invoice_id',
  labelOf: (record) => (record as InvoiceRecord).documentLabel.toLowerCase(),
  titleOf: (record) => (record as InvoiceRecord).documentLabel,
  numberOf: (record) => (record as InvoiceRecord).invoiceNumber,
  partyOf: (record) => (record as InvoiceRecord).companyName,
  xeroIdOf: (record) => (record as InvoiceRecord).xeroInvoiceId,
  xeroNumberOf: (record) => (record as InvoiceRecord).xeroInvoiceNumber,
}

const purchaseOrder: RecordKindSpec = {
  model: PurchaseOrderRecord,
  table: 'purchase_order_records',
  logColumn: 'purchase_order_record_id',
  logAttribute: 'purchaseOrderRecordId',
  label: 'purchase order',
  pluralLabel: 'purchase orders',
  title: 'Purchase order',
  pluralTitle: 'Purchase orders',
  numberHeading: 'PO',
  numberExportHeading: 'PO number',
  partyHeading: 'Vendor',
  xeroNounOf: () => 'document',
  path: 'purchase-orders',
  plural: 'purchase_orders',
  routes: {
    index: 'purchase_orders.index',
    show: 'purchase_orders.show',
    export: 'purchase_orders.export',
    resync: 'purchase_orders.resync',
    skip: 'purchase_orders.skip',
    unskip: 'purchase_orders.unskip',
    diagnose: 'purchase_orders.diagnose',
    release: 'purchase_orders.release',
  },
  hasOriginals: false,
  numberColumn: 'po_number',
  partyColumn: 'vendor_name',
  dateColumn: 'order_date',
  xeroNumberColumn: 'xero_number',
  xeroIdColumn: 'xero_document_id',
  labelOf: () => 'purchase order',
  titleOf: () => 'Purchase order',
  numberOf: (record) => (record as PurchaseOrderRecord).poNumber,
  partyOf: (record) => (record as PurchaseOrderRecord).vendorName,
  xeroIdOf: (record) => (record as PurchaseOrderRecord).xeroDocumentId,
  xeroNumberOf: (record) => (record as PurchaseOrderRecord).xeroNumber,
}

/**
 * Invoices and purchase orders share their statuses, actions, grids and exports;
 * a kind names the few things in which they differ.
 */
export const recordKinds = { invoice, purchase_order: purchaseOrder } as const

export type RecordKind = keyof typeof recordKinds

export const recordKindNames = Object.keys(recordKinds) as RecordKind[]

export function isRecordKind(value: unknown): value is RecordKind {
  return typeof value === 'string' && Object.hasOwn(recordKinds, value)
}
