import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { jsonColumn } from '#models/columns'
import type { PreviewResult } from '#sync/sync_preview'

export type SyncPreviewState = 'running' | 'finished' | 'failed'

/** One "Preview next sync" of a product: what the next sync would send, computed in the background. */
export default class SyncPreview extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare productId: number

  @column()
  declare state: SyncPreviewState

  @column()
  declare requestedBy: string

  @jsonColumn()
  declare result: PreviewResult | null

  @column()
  declare error: string | null

  @column.dateTime()
  declare startedAt: DateTime

  @column.dateTime()
  declare finishedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
