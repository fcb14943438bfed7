/** The lists a product's settings are chosen from, each fetched from the service that owns the values. */
export const liveListKinds = {
  xero_accounts: { source: 'xero', label: 'Xero accounts' },
  xero_tax_rates: { source: 'xero', label: 'Xero tax rates' },
  xero_branding_themes: { source: 'xero', label: 'Xero branding themes' },
  xero_currencies: { source: 'xero', label: 'Xero currencies' },
  autotask_po_statuses: { source: 'autotask', label: 'Autotask purchase-order statuses' },
  autotask_companies: { source: 'autotask', label: 'Autotask companies' },
} as const

export type LiveListKind = keyof typeof liveListKinds

export function isLiveListKind(value: string): value is LiveListKind {
  return Object.hasOwn(liveListKinds, value)
}

/** One choice of a list: the value stored in the settings and the words a person reads. */
export interface LiveListEntry {
  value: string
  label: string
}
