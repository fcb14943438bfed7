import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { jsonColumn } from '#models/columns'
import type { LiveListEntry, LiveListKind } from '#enums/live_list'

/** One list fetched from Xero or Autotask for a product's settings, and when it was fetched. */
export default class LiveList extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare productId: number

  @column()
  declare kind: LiveListKind

  @jsonColumn()
  declare entries: LiveListEntry[]

  @column.dateTime()
  declare fetchedAt: DateTime

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
