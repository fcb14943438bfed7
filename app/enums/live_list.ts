/** The lists a product's settings are chosen from, each fetched from the service that owns the values. */
export const liveListKinds = {
  xero_accounts: { source: 'xero', label: 'Xero accounts' },
  xero_tax_rates: { source: 'xero', label: 'Xero tax rates' },
  xero_branding_themes: { source: 'xero', label: 'Xero branding themes' },
  xero_currencies: { source: 'xero', label: 'Xero currencies' },
  autotask_po_statuses: { source: 'autotask', label: 'Autotask purchase-order statuses' },
  autotask_companies: { source: 'autotask', label: 'Autotask companies' },
  xero_tracking_categories: { source: 'xero', label: 'Xero tracking categories' },
  autotask_territories: { source: 'autotask', label: 'Autotask territories' },
  autotask_departments: { source: 'autotask', label: 'Autotask departments' },
  autotask_lines_of_business: { source: 'autotask', label: 'Autotask lines of business' },
  autotask_invoice_templates: { source: 'autotask', label: 'Autotask invoice templates' },
  autotask_tax_regions: { source: 'autotask', label: 'Autotask tax regions' },
  autotask_billing_codes: { source: 'autotask', label: 'Autotask billing codes' },
  xero_items: { source: 'xero', label: 'Xero items' },
} as const

export type LiveListKind = keyof typeof liveListKinds

export function isLiveListKind(value: string): value is LiveListKind {
  return Object.hasOwn(liveListKinds, value)
}

/** One choice of a list: the value stored in the settings and the words a person reads. */
export interface LiveListEntry {
  value: string
  label: string
  /**
   * What belongs to the value: a tracking category's active option names, a department's billing
   * code ids, a line of business' organizational-level association ids.
   */
  members?: string[]
  /** what the mappings page preselects by: a name, an account type, a rate in percent, a GL number */
  facts?: Record<string, string>
}
