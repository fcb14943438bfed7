import encryption from '@adonisjs/core/services/encryption'
import { column } from '@adonisjs/lucid/orm'
import { Decimal } from 'decimal.js'
import { DateTime } from 'luxon'
import type { LucidModel, ModelAttributes } from '@adonisjs/lucid/types/model'

/**
 * Sealed values already opened in this process, by their sealed text. A product's row is
 * read on nearly every request, and opening its secrets (three HMACs and a cipher each,
 * slower still on Node 24) cost a web request more than rendering its page. Bounded.
 */
const opened = new Map<string, unknown>()
const OPENED_MAX = 1000

function openSealed(sealed: string): unknown {
  let value = opened.get(sealed)
  if (value === undefined) {
    value = encryption.decrypt(sealed) ?? null
    if (opened.size >= OPENED_MAX) opened.delete(opened.keys().next().value!)
    opened.set(sealed, value)
  }
  // A model may change an object it was given (a token set); the cached one stays as read.
  return typeof value === 'object' && value !== null ? structuredClone(value) : value
}

/**
 * A secret column: encrypted with APP_KEY on its way into the row, decrypted on
 * the way out, and never serialised (toJSON, API answers, views of models).
 */
export function encryptedColumn(options: { columnName?: string } = {}) {
  return column({
    ...options,
    serializeAs: null,
    prepare: (value: unknown) =>
      value === null || value === undefined ? null : encryption.encrypt(value),
    consume: (value: string | null) => (value === null ? null : openSealed(value)),
  })
}

/**
 * A JSON column that reads the same on SQLite (text) and MariaDB (a LONGTEXT
 * alias that mysql2 hands back as a string) and MySQL (parsed already).
 */
export function jsonColumn(options: { serializeAs?: string | null } = {}) {
  return column({
    ...options,
    prepare: (value: unknown) =>
      value === null || value === undefined ? null : JSON.stringify(value),
    consume: (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : (value ?? null)),
  })
}

/**
 * Money: a Decimal in the model, a 4-dp string on the way in. SQLite hands the
 * number back as a double, MySQL as a string; both become an exact Decimal here.
 */
export function moneyColumn() {
  return column({
    prepare: (value: Decimal | string | number | null) =>
      value === null || value === undefined ? null : new Decimal(value).toFixed(4),
    consume: (value: string | number | null) =>
      value === null || value === undefined ? null : new Decimal(String(value)),
    serialize: (value: Decimal | null) => (value === null ? null : value.toFixed(2)),
  })
}

/**
 * A timestamp as Lucid stores it ('yyyy-LL-dd HH:mm:ss', UTC), for raw queries
 * and comparisons: better-sqlite3 would store a JS Date as a number.
 */
export function toSqlDateTime(value: DateTime | Date = DateTime.utc()) {
  const dateTime = value instanceof Date ? DateTime.fromJSDate(value) : value
  return dateTime.toUTC().toFormat('yyyy-LL-dd HH:mm:ss')
}

/**
 * A DATE column read without a model (`.pojo()`, `db.from`), as 'yyyy-LL-dd':
 * mysql2 hands back a Date at UTC midnight (timezone 'Z'), SQLite the stored text.
 */
export function isoDateOf(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  return String(value).slice(0, 10)
}

/**
 * A TIMESTAMP column read without a model, as an ISO instant in UTC
 * ('2026-01-31T09:15:00.000Z'): mysql2 hands back a Date, SQLite the text
 * Lucid stored ('yyyy-LL-dd HH:mm:ss', UTC).
 */
export function isoInstantOf(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString()
  const text = String(value)
  // The stored form itself (SQLite, or MySQL read with `withDateStrings`): no pattern, no Date.
  if (text.length === 19 && text[10] === ' ') return `${text.slice(0, 10)}T${text.slice(11)}.000Z`
  const stored = text.match(/^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$/)
  if (stored) return `${stored[1]}T${stored[2]}${(stored[3] ?? '.000').padEnd(4, '0').slice(0, 4)}Z`
  return new Date(typeof value === 'number' ? value : text).toISOString()
}

/**
 * A raw read whose DATE and DATETIME columns come back as the text MySQL stores ('yyyy-LL-dd',
 * 'yyyy-LL-dd HH:mm:ss', UTC), as SQLite's already do, for `isoDateOf` and `isoInstantOf`: a grid page
 * otherwise builds a Date per cell only to print it again (bench:web: `isoInstantOf` alone was 4 % of the
 * Sync Logs tab's server time). Only mysql2 reads the option; SQLite's driver ignores it.
 */
export function withDateStrings<Query extends { knexQuery: { options(options: object): unknown } }>(
  query: Query
): Query {
  query.knexQuery.options({ dateStrings: true })
  return query
}

/**
 * Rows for a multi-row INSERT, prepared the way the model would save them
 * (each column's `prepare`: money, JSON, dates), with the timestamps set. For
 * bulk writes where `createMany`'s one INSERT per row is too slow.
 */
export function rowsFor<T extends LucidModel>(
  Model: T,
  values: Partial<ModelAttributes<InstanceType<T>>>[]
) {
  const now = DateTime.now()
  return values.map((value) => {
    const model = new Model()
    model.merge(value as any)
    const attributes: Record<string, unknown> = { ...model.$attributes }
    for (const stamp of ['createdAt', 'updatedAt']) {
      if (Model.$hasColumn(stamp) && attributes[stamp] === undefined) attributes[stamp] = now
    }
    const row: Record<string, unknown> = {}
    for (const [key, attribute] of Object.entries(attributes)) {
      const definition = Model.$getColumn(key)
      if (!definition) continue
      row[definition.columnName] = definition.prepare
        ? definition.prepare(attribute, key, model)
        : attribute
    }
    return row
  })
}
