/*
| Edge globals shared by every template.
*/
import edge from 'edge.js'
import { recordStatusLabels } from '#enums/record_status'

edge.global('recordStatusLabels', recordStatusLabels)
edge.global('appName', 'Accounting Toolbox')

/** How a connection's health reads on a product card. */
edge.global('healthLabel', (health: string, message: string | null) => {
  if (health === 'ok') return 'Connected'
  if (health === 'error') return message ? `Error: ${message}` : 'Error'
  return 'Not checked yet'
})

/** Bulma colour of a status button; the label always says the status in words too. */
edge.global('statusClass', (status: string) => {
  const classes: Record<string, string> = {
    pending: 'is-info',
    processing: 'is-warning',
    synced: 'is-success',
    fault: 'is-danger',
    skipped: 'is-light',
    diagnostic: 'is-link',
  }
  return classes[status] ?? 'is-light'
})

/** Money as shown in grids: 2 decimals and the currency code. */
edge.global('money', (amount: { toFixed(dp: number): string } | null, currency: string) =>
  amount === null ? '' : `${currency} ${amount.toFixed(2)}`
)
