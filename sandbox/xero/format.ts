import { randomUUID } from 'node:crypto'

/** Xero's JSON date: `/Date(1700000000000+0000)/`. */
export function msDate(ms: number): string {
  return `/Date(${ms}+0000)/`
}

/** Xero's `DateString` companion: local date-time without a zone. */
export function dateString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19)
}

/**
 * Reads a date the way Xero accepts it: `YYYY-MM-DD`, an ISO date-time, or
 * `/Date(ms)/`. Returns epoch ms or null when it cannot be read.
 */
export function parseXeroDate(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime()
  if (typeof value !== 'string' || value.trim() === '') return null
  const ms = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value.trim())
  if (ms) return Number(ms[1])
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim())
  if (day) return Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]))
  const parsed = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`)
  return Number.isNaN(parsed) ? null : parsed
}

/** The envelope every Accounting API answer comes in. */
export function envelope(
  now: number,
  key: string,
  records: unknown[],
  extra: Record<string, unknown> = {}
) {
  return {
    Id: randomUUID(),
    Status: 'OK',
    ProviderName: 'Accounting Toolbox',
    DateTimeUTC: msDate(now),
    ...extra,
    [key]: records,
  }
}

/** Case-insensitive lookup of a PascalCase field, following dots (`Contact.Name`). */
export function fieldValue(record: unknown, path: string): unknown {
  let current: unknown = record
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined
    const key = Object.keys(current).find(
      (candidate) => candidate.toLowerCase() === part.toLowerCase()
    )
    current = key === undefined ? undefined : (current as Record<string, unknown>)[key]
  }
  return current
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
