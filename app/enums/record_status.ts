/** The life of an invoice or purchase-order record (PRODUCT.md §2). */
export const recordStatuses = [
  'pending',
  'processing',
  'synced',
  'fault',
  'skipped',
  'diagnostic',
] as const
export type RecordStatus = (typeof recordStatuses)[number]

/** How each status is shown to a person (the help page's words). */
export const recordStatusLabels: Record<RecordStatus, string> = {
  pending: 'Pending Sync',
  processing: 'Processing Now',
  synced: 'Synced',
  fault: 'Fault',
  skipped: 'Skipped Over',
  diagnostic: 'Diagnostic Mode',
}
