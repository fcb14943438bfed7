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
