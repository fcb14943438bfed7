import factory from '@adonisjs/lucid/factories'
import { DateTime } from 'luxon'
import SyncRun from '#models/sync_run'
import { ProductFactory } from '#database/factories/product_factory'

export const SyncRunFactory = factory
  .define(SyncRun, () => ({
    trigger: 'schedule' as const,
    state: 'succeeded' as const,
    startedAt: DateTime.utc().minus({ minutes: 5 }),
    finishedAt: DateTime.utc(),
    stats: {
      invoicesDiscovered: 0,
      invoicesSynced: 0,
      invoicesFaulted: 0,
      invoicesSkipped: 0,
      purchaseOrdersSynced: 0,
      purchaseOrdersFaulted: 0,
    },
  }))
  .relation('product', () => ProductFactory)
  .build()
