import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import type { MappingKind } from '#enums/sync'
import Product from '#models/product'

/**
 * Autotask value → Xero value: tax region → tax type, billing code → account code.
 * `autotaskValue` '*' is the default of its kind.
 */
export default class Mapping extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare productId: number

  @column()
  declare kind: MappingKind

  @column()
  declare autotaskValue: string

  @column()
  declare autotaskLabel: string | null

  @column()
  declare xeroValue: string

  @column()
  declare xeroLabel: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>
}
