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
