import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import type { LinkKind } from '#enums/sync'
import Product from '#models/product'

/** A stored pair of ids (Autotask ↔ Xero): matching happens once, then the link is used. */
export default class Link extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare productId: number

  @column()
  declare kind: LinkKind

  @column()
  declare autotaskId: number

  @column()
  declare xeroId: string

  @column()
  declare xeroLabel: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>
}
