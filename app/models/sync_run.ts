import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import type { SyncRunState, SyncRunTrigger } from '#enums/sync'
import { jsonColumn } from '#models/columns'
import Product from '#models/product'

/** What one run did, counted as it goes. */
export interface SyncRunStats {
  invoicesDiscovered: number
  invoicesSynced: number
  invoicesFaulted: number
  invoicesSkipped: number
  purchaseOrdersSynced: number
  purchaseOrdersFaulted: number
  /** of invoicesSynced, the negative ones that went to Xero as credit notes (absent on older runs) */
  creditNotesSynced?: number
}

/** "22 synced" or "22 synced (1 as a credit note)": the run's synced count as its log line and the console say it. */
export function syncedText(stats: SyncRunStats | null): string {
  const credit = stats?.creditNotesSynced ?? 0
  const notes = credit === 1 ? '1 as a credit note' : `${credit} as credit notes`
  return `${stats?.invoicesSynced ?? 0} synced${credit > 0 ? ` (${notes})` : ''}`
}

/** One pass of the engine over one product: when, what it did, how it ended. */
export default class SyncRun extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare productId: number

  @column()
  declare trigger: SyncRunTrigger

  @column()
  declare triggeredBy: string | null

  @column()
  declare state: SyncRunState

  @column()
  declare worker: string | null

  @column.dateTime()
  declare startedAt: DateTime

  @column.dateTime()
  declare heartbeatAt: DateTime | null

  @column.dateTime()
  declare finishedAt: DateTime | null

  @jsonColumn()
  declare stats: SyncRunStats | null

  @column()
  declare error: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>
}
