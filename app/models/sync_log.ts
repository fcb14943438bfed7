import { DateTime } from 'luxon'
import { BaseModel, belongsTo, column, scope } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import type { LogLevel } from '#enums/sync'
import Product from '#models/product'

/** One line of the raw sync log; an invoice's step-through log is its lines. */
export default class SyncLog extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare productId: number

  @column()
  declare syncRunId: number | null

  @column()
  declare invoiceRecordId: number | null

  @column()
  declare purchaseOrderRecordId: number | null

  @column()
  declare level: LogLevel

  @column()
  declare event: string

  @column()
  declare message: string

  @column()
  declare autotaskId: number | null

  @column()
  declare actor: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @belongsTo(() => Product)
  declare product: BelongsTo<typeof Product>

  /**
   * Full-text search on the message through the index each database has:
   * MySQL FULLTEXT (boolean mode) or SQLite FTS5. Every word must match, as a prefix.
   */
  static matching = scope((query, text: string) => {
    const words = searchWords(text)
    if (words.length === 0) return
    const dialect = query.client.dialect.name
    if (dialect.includes('sqlite')) {
      const expression = words.map((word) => `"${word}"*`).join(' ')
      query.whereRaw(
        'sync_logs.id IN (SELECT rowid FROM sync_logs_fts WHERE sync_logs_fts MATCH ?)',
        [expression]
      )
    } else {
      const expression = words.map((word) => `+${word}*`).join(' ')
      query.whereRaw('MATCH (sync_logs.message) AGAINST (? IN BOOLEAN MODE)', [expression])
    }
  })
}

/** The words of a log search, lower-cased: letters and digits only, so they are safe inside LIKE, REGEXP and MATCH. */
export function searchWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
}
