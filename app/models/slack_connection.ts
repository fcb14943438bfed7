import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { encryptedColumn } from '#models/columns'
import Account from '#models/account'

/** An account's Slack installation: its workspace and bot; the token and signing secret stay encrypted. */
export default class SlackConnection extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare accountId: number

  @column()
  declare teamId: string

  @column()
  declare teamName: string | null

  @column()
  declare botUserId: string | null

  @column()
  declare botId: string | null

  @encryptedColumn()
  declare botToken: string

  @encryptedColumn()
  declare signingSecret: string

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Account)
  declare account: BelongsTo<typeof Account>
}
