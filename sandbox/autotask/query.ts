import {
  entityFields,
  fieldNamed,
  type SandboxEntity,
  type SandboxRecord,
} from '#sandbox/autotask/entities'

/** A query Autotask would refuse; answered as HTTP 500 `{errors:[message]}` like Autotask does. */
export class SandboxQueryError extends Error {}

export const MAX_PAGE_SIZE = 500
export const MAX_IN_VALUES = 500

const comparisonOps = [
  'eq',
  'noteq',
  'gt',
  'gte',
  'lt',
  'lte',
  'beginswith',
  'endswith',
  'contains',
]
const valueLessOps = ['exist', 'notexist']
const listOps = ['in', 'notin']
const groupOps = ['and', 'or']

export interface ParsedQuery {
  filter: unknown[]
  includeFields: string[]
  maxRecords: number
}

type Predicate = (record: SandboxRecord) => boolean

/** Reads a QueryModel body whatever the case of its keys (Autotask binds them case-insensitively). */
export function parseQueryModel(
  entity: SandboxEntity,
  body: unknown,
  options: { requireFilter: boolean }
): ParsedQuery {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new SandboxQueryError('The query body must be a JSON object with a filter.')
  }
  const byLowerKey = new Map(Object.entries(body).map(([key, value]) => [key.toLowerCase(), value]))
  for (const key of byLowerKey.keys()) {
    if (!['filter', 'includefields', 'maxrecords'].includes(key)) {
      throw new SandboxQueryError(`Unknown query property '${key}'.`)
    }
  }
  const filter = byLowerKey.get('filter') ?? []
  if (!Array.isArray(filter)) throw new SandboxQueryError('filter must be an array.')
  if (options.requireFilter && filter.length === 0) {
    throw new SandboxQueryError('A query must contain at least one filter condition.')
  }
  const include = byLowerKey.get('includefields') ?? []
  if (!Array.isArray(include))
    throw new SandboxQueryError('includeFields must be an array of field names.')
  const includeFields = include.map((name) => {
    const field = fieldNamed(entity, String(name))
    if (!field)
      throw new SandboxQueryError(`Unable to find ${String(name)} in the ${entity} entity.`)
    return field
  })
  const rawMax = byLowerKey.get('maxrecords')
  const maxRecords = rawMax === undefined || rawMax === null ? MAX_PAGE_SIZE : Number(rawMax)
  if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > MAX_PAGE_SIZE) {
    throw new SandboxQueryError(`MaxRecords must be between 1 and ${MAX_PAGE_SIZE}.`)
  }
  compileFilter(entity, filter)
  return { filter, includeFields, maxRecords }
}

/** Turns Autotask filter JSON into a predicate; the top-level array is an implicit "and". */
export function compileFilter(entity: SandboxEntity, filter: unknown[]): Predicate {
  const predicates = filter.map((condition) => compileCondition(entity, condition))
  return (record) => predicates.every((predicate) => predicate(record))
}

function compileCondition(entity: SandboxEntity, condition: unknown): Predicate {
  if (!condition || typeof condition !== 'object')
    throw new SandboxQueryError('Each filter condition must be an object.')
  const { op, field, value, items, udf } = condition as Record<string, unknown>
  const operator = String(op ?? '').toLowerCase()
  if (groupOps.includes(operator)) {
    if (!Array.isArray(items) || items.length === 0) {
      throw new SandboxQueryError(`The '${String(op)}' condition needs a non-empty items array.`)
    }
    const predicates = items.map((item) => compileCondition(entity, item))
    return operator === 'and'
      ? (record) => predicates.every((predicate) => predicate(record))
      : (record) => predicates.some((predicate) => predicate(record))
  }
  if (![...comparisonOps, ...valueLessOps, ...listOps].includes(operator)) {
    throw new SandboxQueryError(`'${String(op)}' is not a valid filter operator.`)
  }
  if (udf === true) throw new SandboxQueryError('The sandbox has no user-defined fields.')
  const name = fieldNamed(entity, String(field ?? ''))
  if (!name || name === 'userDefinedFields') {
    throw new SandboxQueryError(`Unable to find ${String(field)} in the ${entity} entity.`)
  }
  if (operator === 'exist')
    return (record) => record[name] !== null && record[name] !== undefined && record[name] !== ''
  if (operator === 'notexist')
    return (record) => record[name] === null || record[name] === undefined || record[name] === ''
  if (listOps.includes(operator)) {
    if (!Array.isArray(value))
      throw new SandboxQueryError(`The '${String(op)}' operator needs an array value.`)
    if (value.length > MAX_IN_VALUES) {
      throw new SandboxQueryError(
        `The '${String(op)}' operator accepts at most ${MAX_IN_VALUES} values.`
      )
    }
    const matches = (record: SandboxRecord) =>
      value.some((candidate) => compare(record[name], candidate) === 0)
    return operator === 'in' ? matches : (record) => !matches(record)
  }
  if (value === undefined)
    throw new SandboxQueryError(`The '${String(op)}' condition on ${name} needs a value.`)
  switch (operator) {
    case 'eq':
      return (record) => compare(record[name], value) === 0
    case 'noteq':
      return (record) => compare(record[name], value) !== 0
    case 'gt':
      return (record) => (compare(record[name], value) ?? 0) > 0 && record[name] !== null
    case 'gte':
      return (record) => (compare(record[name], value) ?? -1) >= 0 && record[name] !== null
    case 'lt':
      return (record) => (compare(record[name], value) ?? 0) < 0 && record[name] !== null
    case 'lte':
      return (record) => (compare(record[name], value) ?? 1) <= 0 && record[name] !== null
    default: {
      const needle = String(value).toLowerCase()
      const test =
        operator === 'beginswith'
          ? (text: string) => text.startsWith(needle)
          : operator === 'endswith'
            ? (text: string) => text.endsWith(needle)
            : (text: string) => text.includes(needle)
      return (record) => record[name] !== null && test(String(record[name]).toLowerCase())
    }
  }
}

const isoDate = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/

/** -1/0/1 like Autotask compares: numbers numerically, dates as instants, text without case. */
function compare(actual: unknown, expected: unknown): number | null {
  if (actual === null || actual === undefined) {
    return expected === null || expected === undefined ? 0 : null
  }
  if (typeof actual === 'number') {
    const number = Number(expected)
    if (Number.isNaN(number)) return null
    return Math.sign(actual - number)
  }
  if (typeof actual === 'boolean') {
    const flag = expected === true || String(expected).toLowerCase() === 'true' || expected === 1
    return actual === flag ? 0 : actual ? 1 : -1
  }
  const text = String(actual)
  if (isoDate.test(text) && expected !== null && isoDate.test(String(expected))) {
    return Math.sign(Date.parse(text) - Date.parse(String(expected)))
  }
  const left = text.toLowerCase()
  const right = String(expected).toLowerCase()
  return left === right ? 0 : left < right ? -1 : 1
}

/** A record trimmed to the asked fields (id always kept), as Autotask's includeFields does. */
export function project(record: SandboxRecord, includeFields: string[]): Record<string, unknown> {
  if (!includeFields.length) return { ...record }
  const projected: Record<string, unknown> = { id: record.id }
  for (const field of includeFields) projected[field] = record[field]
  return projected
}

export function knownFields(entity: SandboxEntity): readonly string[] {
  return entityFields[entity]
}
