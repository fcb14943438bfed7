import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import type { LinkKind } from '#enums/sync'
import Product from '#models/product'
import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { toSqlDateTime } from '#models/columns'

export interface LinkRow {
  productId: number
  kind: LinkKind
  autotaskId: number
  xeroId: string
  xeroLabel: string | null
  detailsHash?: string | null
}

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

  /** sha256 of the contact details last sent to Xero (company links only; null: never sent) */
  @column()
  declare detailsHash: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>

  /** Creates or re-points many links in one statement (ON DUPLICATE KEY / ON CONFLICT on the pair's key). */
  static async upsertMany(links: LinkRow[], client: QueryClientContract = db.connection()) {
    if (links.length === 0) return
    const now = toSqlDateTime()
    await client
      .knexQuery()
      .table(Link.table)
      .insert(
        links.map((link) => ({
          product_id: link.productId,
          kind: link.kind,
          autotask_id: link.autotaskId,
          xero_id: link.xeroId,
          xero_label: link.xeroLabel,
          details_hash: link.detailsHash ?? null,
          created_at: now,
          updated_at: now,
        }))
      )
      .onConflict(['product_id', 'kind', 'autotask_id'])
      .merge(['xero_id', 'xero_label', 'details_hash', 'updated_at'])
  }
}
