import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import Product from '#models/product'
import SlackAlertRecord from '#models/slack_alert_record'

export type SlackAlertState = 'queued' | 'posted' | 'dropped'

/**
 * One fault message in a product's channel, and its place in the outbox: it is
 * queued until Slack accepts it, and updated (chat.update) when its records move.
 */
export default class SlackAlert extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare productId: number

  @column()
  declare syncRunId: number | null

  @column()
  declare channel: string

  @column()
  declare state: SlackAlertState

  @column()
  declare channelId: string | null

  @column()
  declare messageTs: string | null

  /** bumped whenever what the message shows changes */
  @column()
  declare revision: number

  /** the revision Slack shows now; behind `revision` means a chat.update is due */
  @column()
  declare postedRevision: number

  @column()
  declare attempts: number

  @column.dateTime()
  declare nextAttemptAt: DateTime

  @column.dateTime()
  declare leaseExpiresAt: DateTime | null

  @column()
  declare lastError: string | null

  @column.dateTime()
  declare postedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>

  @hasMany(() => SlackAlertRecord)
  declare records: HasMany<typeof SlackAlertRecord>
}
