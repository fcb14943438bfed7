import type Product from '#models/product'
import type SyncRun from '#models/sync_run'
import type { SyncRunStats } from '#models/sync_run'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import type { XeroGateway } from '#integrations/xero/xero_gateway'
import type { MappingContext } from '#sync/invoice_mapper'
import type { ContactOutcome } from '#sync/contact_resolver'
import type { DiscoveryFeed } from '#sync/discovery_feed'

export interface RunProgress {
  phase: 'discovery' | 'push' | 'done'
  stats: SyncRunStats
}

/**
 * Everything one run of one product carries through its phases: the product and
 * its run row, the clients, the mapping, this worker's name, the stop signal
 * (checked between batches: it keeps the product lock and the run's heartbeat
 * alive, and says whether the product was paused) and the counts so far.
 * Built once by SyncRunner; the phases take it instead of positional parameters.
 */
export interface RunContext {
  readonly product: Product
  readonly run: SyncRun
  readonly autotask: AutotaskClient
  readonly xero: XeroGateway
  readonly mapping: MappingContext
  /** each company's Xero contact as this run resolved it, by Autotask id: credit notes and invoices look a company up once */
  readonly contacts: Map<number, ContactOutcome>
  readonly worker: string
  readonly shouldStop: () => Promise<boolean>
  readonly stats: SyncRunStats
  readonly progress: (phase: RunProgress['phase']) => void
  /** the run's discovery, while the push runs beside it: more records may still come */
  readonly feed?: DiscoveryFeed
}
