import type { ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import { recordKinds, type AnyRecord, type RecordKind } from '#enums/record_kind'
import type { RecordStatus } from '#enums/record_status'
import type Product from '#models/product'

export interface RecordFilters {
  q?: string
  status?: RecordStatus
  page?: number
}

export const RECORDS_PER_PAGE = 50
const EXPORT_CHUNK = 1000

/**
 * The invoice and purchase-order grids: one product's records, newest first,
 * filtered by a search box (number, company, Autotask id, Xero number) and a
 * status; and the same list streamed in chunks for exports.
 */
export default class RecordListService {
  async page(kind: RecordKind, product: Product, filters: RecordFilters) {
    return this.query(kind, product, filters)
      .orderBy(recordKinds[kind].dateColumn, 'desc')
      .orderBy('id', 'desc')
      .paginate(filters.page ?? 1, RECORDS_PER_PAGE)
  }

  /** Every matching record, newest first, read in chunks so 100,000 rows never sit in memory at once. */
  async *stream(kind: RecordKind, product: Product, filters: RecordFilters): AsyncGenerator<AnyRecord> {
    let lastId: number | null = null
    while (true) {
      const query = this.query(kind, product, filters).orderBy('id', 'desc').limit(EXPORT_CHUNK)
      if (lastId !== null) query.where('id', '<', lastId)
      const chunk: AnyRecord[] = await query
      for (const record of chunk) yield record
      if (chunk.length < EXPORT_CHUNK) return
      lastId = chunk[chunk.length - 1].id
    }
  }

  async find(kind: RecordKind, product: Product, id: number | string): Promise<AnyRecord> {
    return recordKinds[kind].model.query().where('product_id', product.id).where('id', id).firstOrFail()
  }

  private query(kind: RecordKind, product: Product, filters: RecordFilters) {
    const spec = recordKinds[kind]
    const query = (spec.model.query() as ModelQueryBuilderContract<any, AnyRecord>).where('product_id', product.id)
    if (filters.status) query.where('status', filters.status)
    const term = filters.q?.trim()
    if (term) {
      // '!' escapes LIKE wildcards the same way on SQLite and MySQL.
      const escaped = term.replace(/[!%_]/g, (char) => `!${char}`)
      query.where((group) => {
        group
          .whereRaw(`${spec.numberColumn} LIKE ? ESCAPE '!'`, [`${escaped}%`])
          .orWhereRaw(`${spec.partyColumn} LIKE ? ESCAPE '!'`, [`%${escaped}%`])
          .orWhereRaw(`${spec.xeroNumberColumn} LIKE ? ESCAPE '!'`, [`${escaped}%`])
        if (/^\d{1,15}$/.test(term)) group.orWhere('autotask_id', Number(term))
      })
    }
    return query
  }
}
