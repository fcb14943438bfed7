import InvoiceRecord from '#models/invoice_record'
import PurchaseOrderRecord from '#models/purchase_order_record'

/**
 * Invoices and purchase orders share their statuses, actions, grids and exports;
 * a kind names the few columns in which they differ.
 */
export const recordKinds = {
  invoice: {
    model: InvoiceRecord,
    table: 'invoice_records',
    logColumn: 'invoice_record_id',
    label: 'invoice',
    numberColumn: 'invoice_number',
    partyColumn: 'company_name',
    dateColumn: 'invoice_date',
    xeroNumberColumn: 'xero_invoice_number',
    xeroIdColumn: 'xero_invoice_id',
  },
  purchase_order: {
    model: PurchaseOrderRecord,
    table: 'purchase_order_records',
    logColumn: 'purchase_order_record_id',
    label: 'purchase order',
    numberColumn: 'po_number',
    partyColumn: 'vendor_name',
    dateColumn: 'order_date',
    xeroNumberColumn: 'xero_number',
    xeroIdColumn: 'xero_document_id',
  },
} as const

export type RecordKind = keyof typeof recordKinds
export type AnyRecord = InvoiceRecord | PurchaseOrderRecord
