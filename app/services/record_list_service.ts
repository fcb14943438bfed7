import db from '@adonisjs/lucid/services/db'
import { likePattern } from '#sync/text'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import { recordKinds, type AnyRecord, type RecordKind } from '#sync/record_kinds'
import { recordStatusLabels, type RecordStatus } from '#enums/record_status'
import { isoDateOf, withDateStrings } from '#models/columns'
import { documentLabelOf, isCreditNote, paymentColumns, paymentLabelOf } from '#sync/payment_labels'
import type Product from '#models/product'

export interface RecordFilters {
  q?: string
  status?: RecordStatus
  /** keyset cursors: records older than this id ("Older"), or newer than it ("Newer") */
  before?: number
  after?: number
}

/**
 * A record as the grid and the exports show it, the same for invoices and
 * purchase orders: read as plain rows, since a page or an export never needs
 * a model (building one per row was a fifth of a page's time).
 */
export interface RecordRow {
  id: number
  autotaskId: number
  /** invoice or PO number */
  number: string | null
  /** company or vendor */
  party: string | null
  /** invoice or order date, 'yyyy-LL-dd' */
  date: string | null
  /**
   * The exact amount as the database returns it ('1234.5000' from MySQL, '1234.5' from SQLite): pages
   * format it as it is (Intl takes decimal strings) and exports through a Decimal. A Decimal per row was a
   * twentieth of the Invoices tab's server time (bench:web).
   */
  total: string
  currency: string
  status: RecordStatus
  statusLabel: string
  xeroNumber: string | null
  /** invoices: "Part paid (due 40.00)", "Paid 2026-12-01" (payments check), else null */
  payment?: string | null
  /** invoices: the Xero document it is, "Invoice" or "Credit note" (a negative one) */
  document?: 'Invoice' | 'Credit note'
  /** exports only */
  xeroId?: string | null
  faultReason?: string | null
}

/** One page of a grid, newest first, with the cursors of its "Newer" and "Older" links (null: no such page). */
export interface RecordPage {
  records: RecordRow[]
  newerThan: number | null
  olderThan: number | null
}

export const RECORDS_PER_PAGE = 50
/** How many ids next to the cursor a search reads in order before it asks the indexes for the matches beyond. */
const SEARCH_WINDOW = 1000
/**
 * Rows an export reads per query. Small, so a chunk's rows die young: read 1,000 at a time they outlived two
 * collections of the young generation while being written, and each chunk was promoted, to be collected again
 * in full (the server's peak RSS rose 9-38 MB over a 100,000-row export; 0-16 MB read 100 at a time).
 */
const EXPORT_CHUNK = 100

type Direction = 'older' | 'newer'
type Condition = (query: DatabaseQueryBuilderContract<any>) => void

/**
 * The invoice and purchase-order grids: one product's records, newest first
 * (by id: the order the engine found them in), filtered by a search box and a
 * status, paged by id so no page costs an OFFSET or a COUNT; and the same list
 * streamed in chunks for exports.
 *
 * The search box matches a record whose number or Xero number starts with
 * what was typed, whose Autotask id is the number typed, or whose company
 * (vendor) has a word starting with each word typed ("harb plu" finds
 * "Harbour Plumbing Ltd").
 */
export default class RecordListService {
  async page(kind: RecordKind, product: Product, filters: RecordFilters): Promise<RecordPage> {
    const condition = await this.searchCondition(kind, product, filters.q)
    const direction: Direction =
      filters.after !== undefined && filters.before === undefined ? 'newer' : 'older'
    const cursor = (direction === 'newer' ? filters.after : filters.before) ?? null
    const rows = await this.nearest(
      kind,
      product,
      filters.status,
      condition,
      direction,
      cursor,
      RECORDS_PER_PAGE + 1,
      gridColumns(kind)
    )
    const more = rows.length > RECORDS_PER_PAGE
    rows.length = Math.min(rows.length, RECORDS_PER_PAGE)
    if (direction === 'newer') rows.reverse()
    // Records on the other side of the cursor exist when one is found just past it.
    const back =
      cursor !== null &&
      (
        await this.nearest(
          kind,
          product,
          filters.status,
          condition,
          direction === 'newer' ? 'older' : 'newer',
          direction === 'newer' ? cursor + 1 : cursor - 1,
          1,
          ['id']
        )
      ).length > 0

    const records = rows.map((row) => toRow(kind, row))
    const hasNewer = direction === 'newer' ? more : back
    const hasOlder = direction === 'newer' ? back : more
    return {
      records,
      newerThan: hasNewer ? (records[0]?.id ?? cursor! - 1) : null,
      olderThan: hasOlder ? (records[records.length - 1]?.id ?? cursor! + 1) : null,
    }
  }

  /** Every matching record, newest first, read in chunks by id so 100,000 rows never sit in memory at once. */
  async *stream(
    kind: RecordKind,
    product: Product,
    filters: RecordFilters
  ): AsyncGenerator<RecordRow> {
    const spec = recordKinds[kind]
    const condition = await this.searchCondition(kind, product, filters.q)
    const columns = [...gridColumns(kind), spec.xeroIdColumn, 'fault_reason']
    let lastId: number | null = null
    while (true) {
      const query = withDateStrings(
        db.from(productRowsInIdOrder(spec.table, filters.status && !condition ? 'status' : 'id'))
      )
        .select(columns)
        .where('product_id', product.id)
        .orderBy('id', 'desc')
        .limit(EXPORT_CHUNK)
      if (filters.status) query.where('status', filters.status)
      if (condition) query.where(condition)
      if (lastId !== null) query.where('id', '<', lastId)
      const chunk: Record<string, any>[] = await query
      for (const row of chunk) yield toRow(kind, row)
      if (chunk.length < EXPORT_CHUNK) return
      lastId = Number(chunk[chunk.length - 1].id)
    }
  }

  async find(kind: RecordKind, product: Product, id: number | string): Promise<AnyRecord> {
    return recordKinds[kind].model
      .query()
      .where('product_id', product.id)
      .where('id', id)
      .firstOrFail()
  }

  /**
   * The `count` matching records nearest the cursor in one direction,
   * nearest first. A term most records match (a big client's name) is found by
   * reading the newest rows in order, which fills a page after a few hundred
   * rows; only when the SEARCH_WINDOW ids next to the cursor hold less than a page are
   * the indexes asked for the older matches, which are then few. Ordering a
   * frequent term's thousands of index matches by id on every keystroke is
   * what this avoids.
   */
  private async nearest(
    kind: RecordKind,
    product: Product,
    status: RecordStatus | undefined,
    condition: Condition | null,
    direction: Direction,
    cursor: number | null,
    count: number,
    columns: string[]
  ): Promise<Record<string, any>[]> {
    const spec = recordKinds[kind]
    const order = direction === 'older' ? 'desc' : 'asc'
    const beyond = direction === 'older' ? '<' : '>'
    const matching = (table = spec.table) => {
      const builder = withDateStrings(
        db.from(table).select(columns).where('product_id', product.id)
      )
      if (status) builder.where('status', status)
      if (cursor !== null) builder.where('id', beyond, cursor)
      return builder.orderBy('id', order)
    }
    if (!condition)
      return matching(productRowsInIdOrder(spec.table, status ? 'status' : 'id')).limit(count)

    // The window is a range of ids next to the cursor, or below the product's newest id (a subquery the index
    // answers once, in the same statement): it holds at most SEARCH_WINDOW of the product's records, whatever
    // their status, so reading it costs at most that much.
    const edge =
      direction === 'newer'
        ? cursor! + SEARCH_WINDOW
        : cursor !== null
          ? cursor - SEARCH_WINDOW
          : windowBelowNewest(spec.table, product.id, SEARCH_WINDOW)
    const found = await matching(inIdOrder(spec.table))
      .where(condition)
      .where('id', direction === 'older' ? '>=' : '<=', edge)
      .limit(count)
    if (found.length >= count) return found
    // Beyond the window (nothing there when the window reached the product's end: the indexes say so at once).
    const rest = await matching()
      .where(condition)
      .where('id', beyond, edge)
      .limit(count - found.length)
    return found.concat(rest)
  }

  /** The search box's condition, or null for none. Company names are matched here, word by word, and then looked up by index. */
  private async searchCondition(
    kind: RecordKind,
    product: Product,
    q: string | undefined
  ): Promise<Condition | null> {
    const term = q?.trim()
    if (!term) return null
    const spec = recordKinds[kind]
    const prefix = likePattern(term, 'start')
    const parties = await this.partiesMatching(kind, product, term)
    return (group) => {
      group
        .whereRaw(`${spec.numberColumn} LIKE ? ESCAPE '!'`, [prefix])
        .orWhereRaw(`${spec.xeroNumberColumn} LIKE ? ESCAPE '!'`, [prefix])
      if (parties.length) group.orWhereIn(spec.partyColumn, parties)
      if (/^\d{1,15}$/.test(term)) group.orWhere('autotask_id', Number(term))
    }
  }

  /**
   * The product's company (vendor) names with a word starting with each word of
   * the term. A product has hundreds of names, not thousands, and the index on
   * (product_id, name) yields each once.
   */
  private async partiesMatching(
    kind: RecordKind,
    product: Product,
    term: string
  ): Promise<string[]> {
    const words = wordsOf(term)
    if (words.length === 0) return []
    const column = recordKinds[kind].partyColumn
    const rows: Record<string, string | null>[] = await db
      .from(recordKinds[kind].table)
      .select(column)
      .where('product_id', product.id)
      .groupBy('product_id', column)
    return rows
      .map((row) => row[column])
      .filter((name): name is string => {
        if (!name) return false
        const nameWords = nameWordsOf(name)
        return words.every((word) => nameWords.some((nameWord) => nameWord.startsWith(word)))
      })
  }
}

/**
 * The words of company names already split in this process: every search splits all of a product's
 * names (hundreds), and normalising the same names again on every keystroke is wasted work. Bounded.
 */
const nameWords = new Map<string, string[]>()
const NAME_WORDS_MAX = 10_000

function nameWordsOf(name: string): string[] {
  let words = nameWords.get(name)
  if (!words) {
    words = wordsOf(name)
    if (nameWords.size >= NAME_WORDS_MAX) nameWords.delete(nameWords.keys().next().value!)
    nameWords.set(name, words)
  }
  return words
}

/** Lower-cased words without accents: "Café Ōtāhuhu Ltd" → cafe, otahuhu, ltd. */
function wordsOf(text: string): string[] {
  return (
    text
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  )
}

/**
 * The lowest id of a window of `size` ids ending at the product's newest row, as an SQL expression the index
 * answers once: a scalar subquery, not a separate query. Ids are unsigned on MySQL, so a window reaching below
 * id 1 starts at 0 (COALESCE) instead of computing a negative id.
 */
export function windowBelowNewest(table: string, productId: number, size: number) {
  return db.raw(
    `COALESCE((SELECT MAX(id) FROM ${table} WHERE product_id = ? AND id >= ?) - ?, 0)`,
    [productId, size - 1, size - 1]
  )
}

/**
 * A product's rows read by id, from the index on (product_id, id), or on (product_id, status) whose rows InnoDB
 * orders by id as well: a page next to a cursor is then a range of the index. Without the hint MariaDB 10.11 reads
 * the index as `ref` on product_id alone, from the product's newest row down to the cursor, filtering each
 * (ANALYZE, bench:web's data: an Older page halfway down the Sync Logs read 600,101 rows in 2,029 ms, an
 * export's chunk halfway down the invoices 50,101 rows in 54 ms, so a 100,000-row export read 5 million;
 * with it, the page's 101 and 100 rows, under 1 ms).
 */
export function productRowsInIdOrder(table: string, index: 'id' | 'status' = 'id'): string {
  if (db.connection().dialect.name !== 'mysql') return table
  // from() takes a raw table expression at run time (Lucid hands it to knex as raw); its types name tables only.
  return db.raw('?? FORCE INDEX (??)', [
    table,
    `${table}_product_id_${index}_index`,
  ]) as unknown as string
}

/**
 * The table read in primary-key order on MySQL (FORCE INDEX): a search window is a range of at most
 * SEARCH_WINDOW ids, so walking it by id is bounded, while MariaDB otherwise weighs every index a search
 * term could use (an index dive per company name) and merges and sorts their matches. bench:web
 * (invoice_search): MariaDB's optimizer time for the window query ~1.4 -> ~0.5 ms (ANALYZE).
 */
function inIdOrder(table: string): string {
  if (db.connection().dialect.name !== 'mysql') return table
  // from() takes a raw table expression at run time (Lucid hands it to knex as raw); its types name tables only.
  return db.raw('?? FORCE INDEX (PRIMARY)', [table]) as unknown as string
}

/** The columns a grid row needs: never the Autotask HTML copy or the lines, which can be large. */
function gridColumns(kind: RecordKind) {
  const spec = recordKinds[kind]
  return [
    'id',
    'autotask_id',
    spec.numberColumn,
    spec.partyColumn,
    spec.dateColumn,
    'total',
    'currency',
    'status',
    spec.xeroNumberColumn,
    ...(kind === 'invoice' ? paymentColumns : []),
  ]
}

function toRow(kind: RecordKind, row: Record<string, any>): RecordRow {
  const spec = recordKinds[kind]
  const status = row.status as RecordStatus
  return {
    id: Number(row.id),
    autotaskId: Number(row.autotask_id),
    number: row[spec.numberColumn] ?? null,
    party: row[spec.partyColumn] ?? null,
    date: isoDateOf(row[spec.dateColumn]),
    // MySQL hands a DECIMAL back as a string, SQLite as a double, whose shortest text is the stored value.
    total: String(row.total ?? 0),
    currency: row.currency,
    status,
    statusLabel: recordStatusLabels[status] ?? status,
    xeroNumber: row[spec.xeroNumberColumn] ?? null,
    xeroId: row[spec.xeroIdColumn],
    faultReason: row.fault_reason,
    ...(kind === 'invoice' ? invoiceLabels(row) : {}),
  }
}

/** An invoice row's document and payment labels, telling a credit note once (a Decimal per call). */
function invoiceLabels(row: Record<string, any>): Pick<RecordRow, 'document' | 'payment'> {
  const creditNote = isCreditNote(row.xero_type, row.total)
  return {
    document: documentLabelOf(creditNote),
    payment: paymentLabelOf(
      row.payment_state,
      row.xero_amount_due,
      isoDateOf(row.paid_date),
      creditNote
    ),
  }
}
