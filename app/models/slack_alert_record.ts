import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { RecordKind } from '#sync/record_kinds'

/** One faulted record listed in an alert, and what became of it (synced, resynced or skipped by someone). */
export default class SlackAlertRecord extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare slackAlertId: number

  @column()
  declare kind: RecordKind

  @column()
  declare recordId: number

  @column()
  declare reason: string

  @column()
  declare hint: string | null

  @column()
  declare outcome: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
