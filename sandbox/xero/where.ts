import { fieldValue } from '#sandbox/xero/format'

/** A `where` the sandbox cannot read; answered with Xero's 400 QueryParseException. */
export class WhereParseError extends Error {}

type Predicate = (record: unknown) => boolean

/** Splits on a keyword outside double quotes. */
function splitOutsideQuotes(text: string, separators: RegExp): string[] {
  const parts: string[] = []
  let quoted = false
  let start = 0
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (char === '"' && text[index - 1] !== '\\') quoted = !quoted
    if (quoted) continue
    const match = separators.exec(text.slice(index))
    if (match && match.index === 0) {
      parts.push(text.slice(start, index))
      index += match[0].length - 1
      start = index + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

function literal(raw: string): unknown {
  const text = raw.trim()
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(text)
  if (quoted) return quoted[1].replace(/\\(.)/g, '$1')
  const guid = /^guid\(\s*"([^"]*)"\s*\)$/i.exec(text)
  if (guid) return guid[1].toLowerCase()
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true'
  if (/^null$/i.test(text)) return null
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  throw new WhereParseError(`Cannot read the value ${text}`)
}

function normalise(value: unknown, transform: string | undefined): unknown {
  if (typeof value !== 'string') return value
  const lowered = /^[0-9a-f-]{36}$/i.test(value) ? value.toLowerCase() : value
  if (transform === 'ToLower') return lowered.toLowerCase()
  if (transform === 'ToUpper') return lowered.toUpperCase()
  return lowered
}

function clause(text: string): Predicate {
  const trimmed = text.trim().replace(/^\((.*)\)$/, '$1').trim()
  const method = /^([A-Za-z][\w.]*?)(?:\.(ToLower|ToUpper)\(\))?\.(Contains|StartsWith|EndsWith)\((.+)\)$/.exec(trimmed)
  if (method) {
    const [, path, transform, name, argument] = method
    const expected = String(literal(argument))
    return (record) => {
      const actual = normalise(fieldValue(record, path), transform)
      if (typeof actual !== 'string') return false
      if (name === 'Contains') return actual.includes(expected)
      if (name === 'StartsWith') return actual.startsWith(expected)
      return actual.endsWith(expected)
    }
  }
  const comparison = /^([A-Za-z][\w.]*?)(?:\.(ToLower|ToUpper)\(\))?\s*(==|!=|>=|<=|>|<)\s*(.+)$/.exec(trimmed)
  if (!comparison) throw new WhereParseError(`Cannot read the condition ${trimmed}`)
  const [, path, transform, operator, raw] = comparison
  const expected = literal(raw)
  return (record) => {
    const actual = normalise(fieldValue(record, path), transform)
    if (operator === '==') return actual === expected || (actual === undefined && expected === null)
    if (operator === '!=') return !(actual === expected || (actual === undefined && expected === null))
    if (typeof actual !== 'number' || typeof expected !== 'number') return false
    if (operator === '>=') return actual >= expected
    if (operator === '<=') return actual <= expected
    if (operator === '>') return actual > expected
    return actual < expected
  }
}

/**
 * The part of Xero's `where` language integrations use: `Field=="x"`,
 * `Contact.ContactID==guid("…")`, `.Contains("x")`, `.ToLower()`, numbers,
 * booleans, joined by AND / OR (AND binds tighter). Fields are read from the
 * record's JSON answer.
 */
export function compileWhere(where: string | null | undefined): Predicate {
  if (!where || where.trim() === '') return () => true
  const alternatives = splitOutsideQuotes(where, /^\s+OR\s+|^\s*\|\|\s*/i).map((part) =>
    splitOutsideQuotes(part, /^\s+AND\s+|^\s*&&\s*/i).map(clause)
  )
  return (record) => alternatives.some((all) => all.every((predicate) => predicate(record)))
}
