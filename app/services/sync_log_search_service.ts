import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import SyncLog, { searchWords } from '#models/sync_log'
import { isoInstantOf, toSqlDateTime, withDateStrings } from '#models/columns'
import type Product from '#models/product'
import type { LogLevel } from '#enums/sync'
import { productRowsInIdOrder, windowBelowNewest } from '#services/record_list_service'

export interface LogFilters {
  q?: string
  autotaskId?: number
  from?: Date
  to?: Date
  level?: LogLevel
  before?: number
}

/** A line as the grid shows it: read as a plain row, since a page never needs a hundred models. */
export interface LogLine {
  id: number
  /** when, as an ISO instant in UTC */
  at: string
  level: LogLevel
  event: string
  message: string
  autotaskId: number | null
  actor: string | null
}

export const LOG_LINES_PER_PAGE = 100
/** The columns the Sync Logs grid shows. */
const LINE_COLUMNS = ['id', 'level', 'event', 'message', 'autotask_id', 'actor', 'created_at']
/** InnoDB's default full-text stop words: never indexed, so a word that may begin one cannot be looked up there. */
const INNODB_STOPWORDS = [
  'a',
  'about',
  'an',
  'are',
  'as',
  'at',
  'be',
  'by',
  'com',
  'de',
  'en',
  'for',
  'from',
  'how',
  'i',
  'in',
  'is',
  'it',
  'la',
  'of',
  'on',
  'or',
  'that',
  'the',
  'this',
  'to',
  'was',
  'what',
  'when',
  'where',
  'who',
  'will',
  'with',
  'und',
  'www',
]

type IdQuery = ModelQueryBuilderContract<typeof SyncLog, SyncLog>

/**
 * The Sync Logs tab: newest first, by date range, text, Autotask id and level.
 * Pages by id ("older than"), so no COUNT over a million lines is ever needed.
 *
 * Text matches a line when every word typed begins a word of its message. On
 * SQLite the FTS5 table answers newest first by itself. MySQL's FULLTEXT index
 * returns every match unordered, and a client's name is in tens of thousands
 * of lines, so ordering those matches took seconds: there, the newest lines are
 * read in order first, which fills a page after a few hundred lines for a
 * common word, and the FULLTEXT index is asked only for older matches of a
 * word the newest `textWindow` lines hardly hold, which are then few.
 */
export default class SyncLogSearchService {
  /** A text search on MySQL reads the lines among this many ids below the cursor in order before it asks the full-text index. */
  protected textWindow = 5_000
  /** Ids read per page when no word of the search is in the full-text index (too short, or a stop word). */
  protected unindexedWindow = 50_000

  async page(product: Product, filters: LogFilters) {
    const limit = LOG_LINES_PER_PAGE + 1
    /**
     * `byId`: read by id from the cursor down, for a page without text (a text search reads bounded windows in
     * primary-key order, and forcing this index on them tripled its p95 in bench:web).
     */
    const filtered = (columns = ['id'], byId = false) => {
      const query = withDateStrings(SyncLog.query().select(columns).where('product_id', product.id))
      // By id from the cursor down, unless the Autotask id's own index finds the lines.
      if (byId && filters.autotaskId === undefined) query.from(productRowsInIdOrder('sync_logs'))
      if (filters.autotaskId !== undefined) query.where('autotask_id', filters.autotaskId)
      if (filters.level) query.where('level', filters.level)
      if (filters.from)
        query.where(
          'created_at',
          '>=',
          toSqlDateTime(DateTime.fromJSDate(filters.from).startOf('day'))
        )
      if (filters.to)
        query.where(
          'created_at',
          '<',
          toSqlDateTime(DateTime.fromJSDate(filters.to).plus({ days: 1 }).startOf('day'))
        )
      if (filters.before) query.where('id', '<', filters.before)
      return query.orderBy('id', 'desc')
    }

    const words = searchWords(filters.q ?? '')
    let rows: LogLine[]
    let scannedTo: number | null = null
    if (words.length === 0) {
      rows = (await filtered(LINE_COLUMNS, true).limit(limit).pojo<Record<string, any>>()).map(
        toLine
      )
    } else if (db.connection().dialect.name.includes('sqlite')) {
      rows = await linesOf(
        await idsOf(
          filtered()
            .apply((scopes) => scopes.matching(filters.q!))
            .limit(limit)
        )
      )
    } else {
      ;({ rows, scannedTo } = await this.mysqlText(product, filters.before, words, filtered, limit))
    }
    const hasOlder = rows.length > LOG_LINES_PER_PAGE
    const lines = rows.slice(0, LOG_LINES_PER_PAGE)
    return { lines, olderThan: hasOlder ? lines[lines.length - 1].id : scannedTo }
  }

  /** MySQL text search: the newest lines in order, then the FULLTEXT index for older ones (see the class comment). */
  private async mysqlText(
    product: Product,
    before: number | undefined,
    words: string[],
    filtered: (columns?: string[]) => IdQuery,
    limit: number
  ): Promise<{ rows: LogLine[]; scannedTo: number | null }> {
    const startsWords = (query: IdQuery) => {
      // The word where no letter, digit or underscore comes before it (a lookbehind). One expression alone: a
      // LIKE '%word%' before it cost MariaDB more than it saved (collation-aware scanning of every line read),
      // 2.0 -> 1.35 ms per search of a client's name (bench:web's window query, quiet). Words are letters and
      // digits only (searchWords), so none is read as a pattern.
      for (const word of words)
        query.whereRaw('sync_logs.message REGEXP ?', [`(?<![\\p{L}\\p{N}_])${word}`])
      return query
    }
    // Windows are ranges of ids below the cursor, or below the product's newest id (a subquery the index answers
    // once, in the same statement): a window holds at most that many of the product's lines, so reading one
    // costs at most that much.
    const edge =
      before !== undefined
        ? before - this.textWindow
        : windowBelowNewest('sync_logs', product.id, this.textWindow)

    // The window is read in id order and stops at a page: its lines come back whole.
    const newest = (
      await startsWords(filtered(LINE_COLUMNS))
        .where('id', '>=', edge)
        .limit(limit)
        .pojo<Record<string, any>>()
    ).map(toLine)
    if (newest.length >= limit) return { rows: newest, scannedTo: null }

    const indexed = await this.indexedWords(words)
    if (indexed.length > 0) {
      // Ids first, rows after: the index's matches are sorted as ids, and only a page of them read whole.
      const older = startsWords(filtered())
        .where('id', '<', edge)
        .whereRaw('MATCH (sync_logs.message) AGAINST (? IN BOOLEAN MODE)', [
          indexed.map((word) => `+${word}*`).join(' '),
        ])
        .limit(limit - newest.length)
      return { rows: newest.concat(await linesOf(await idsOf(older))), scannedTo: null }
    }
    // No word the index holds: read one more window, and let "Older lines" carry on from its end. Only here are
    // the product's first and last ids needed (the index answers MIN and MAX at once).
    const bounds = await db
      .from('sync_logs')
      .where('product_id', product.id)
      .min('id as lowest')
      .max('id as highest')
      .first()
    if (!bounds || bounds.highest === null) return { rows: newest, scannedTo: null }
    const lowest = Number(bounds.lowest)
    const top = Math.min(before ?? Number.POSITIVE_INFINITY, Number(bounds.highest) + 1)
    const near = top - this.textWindow
    if (near <= lowest) return { rows: newest, scannedTo: null }
    const far = near - this.unindexedWindow
    const older = startsWords(filtered(LINE_COLUMNS))
      .where('id', '<', near)
      .where('id', '>=', far)
      .limit(limit - newest.length)
    const rows = newest.concat((await older.pojo<Record<string, any>>()).map(toLine))
    return { rows, scannedTo: rows.length < limit && far > lowest ? far : null }
  }

  /** The words the FULLTEXT index can find: long enough to be indexed, and not the start of a stop word. */
  private async indexedWords(words: string[]) {
    minTokenSize ??= db
      .rawQuery('SELECT @@innodb_ft_min_token_size AS size')
      .then(([rows]: [{ size: number }[]]) => Number(rows[0].size))
      .catch(() => 3)
    const shortest = await minTokenSize
    return words.filter(
      (word) =>
        word.length >= shortest &&
        word.length <= 84 &&
        !INNODB_STOPWORDS.some((stopword) => stopword.startsWith(word))
    )
  }
}

let minTokenSize: Promise<number> | undefined

/** The lines of these ids, newest first. */
async function linesOf(ids: number[]): Promise<LogLine[]> {
  if (ids.length === 0) return []
  return (
    await withDateStrings(
      db.from('sync_logs').select(LINE_COLUMNS).whereIn('id', ids).orderBy('id', 'desc')
    )
  ).map(toLine)
}

async function idsOf(query: IdQuery) {
  return (await query.pojo<{ id: number | string }>()).map((row) => Number(row.id))
}

function toLine(row: Record<string, any>): LogLine {
  return {
    id: Number(row.id),
    at: isoInstantOf(row.created_at)!,
    level: row.level,
    event: row.event,
    message: row.message,
    autotaskId: row.autotask_id === null ? null : Number(row.autotask_id),
    actor: row.actor,
  }
}
