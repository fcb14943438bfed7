import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import SlackConnection from '#models/slack_connection'
import User from '#models/user'

export type SlackLinkStatus = 'pending' | 'active'

/** A Slack user speaking for an app user; only an `active` link (approved by an owner or admin) may act. */
export default class SlackUserLink extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare slackConnectionId: number

  @column()
  declare slackUserId: string

  @column()
  declare slackUserName: string | null

  @column()
  declare userId: number

  @column()
  declare status: SlackLinkStatus

  @column()
  declare approvedBy: string | null

  @column.dateTime()
  declare approvedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => SlackConnection)
  declare connection: BelongsTo<typeof SlackConnection>

  @belongsTo(() => User)
  declare user: BelongsTo<typeof User>
}
