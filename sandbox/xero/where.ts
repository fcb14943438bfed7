import { fieldValue, parseXeroDate } from '#sandbox/xero/format'

/*
| Xero's `where` and `order` query parameters. Xero shows them by example, not by grammar: the
| contract (reference/xero_accounting.yaml: "Filter by an any element", `Status=="ACTIVE" AND
| Type=="BANK"`; "Order by an any element", `Name ASC`) and developer.xero.com/documentation/api/
| requests-and-responses, whose examples partners copy (docs.linx.software/reference/plugins/xero/
| filters/where, help.coupler.io/article/237): `Date >= DateTime(2015, 01, 01) && Date <
| DateTime(2015, 12, 31)`, `AccountID = GUID("…")`, `Name.Contains("Peter")`,
| `EmailAddress!=null&&EmailAddress.StartsWith("boom")`, AND / OR / && / ||. Brackets and `!` / NOT
| are the expression syntax those examples come from. Nothing documents mixed types (a number
| compared with text, `>` on text): the sandbox is strict and refuses them as a query error.
*/

/** A `where` or `order` the sandbox cannot read; answered with Xero's 400 QueryParseException. */
export class WhereParseError extends Error {}

type Predicate = (record: unknown) => boolean
type Kind = 'string' | 'number' | 'boolean' | 'date'
type Literal = { kind: Kind; value: string | number | boolean } | { kind: 'null'; value: null }

interface Token {
  type: 'string' | 'number' | 'word' | 'symbol'
  text: string
  at: number
}

const SYMBOLS = ['==', '!=', '>=', '<=', '&&', '||', '>', '<', '=', '!', '(', ')', ',', '.', '-']
const COMPARISONS = ['==', '!=', '>=', '<=', '>', '<', '=']
const TEXT_METHODS = ['Contains', 'StartsWith', 'EndsWith']
const CASE_METHODS = ['ToLower', 'ToUpper']
const NUMBER = /\d+(\.\d+)?/y
const WORD = /[A-Za-z_]\w*/y
const DOT_NET_TYPE: Record<Kind, string> = {
  string: 'String',
  number: 'Decimal',
  boolean: 'Boolean',
  date: 'DateTime',
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let index = 0
  while (index < text.length) {
    const char = text[index]
    if (/\s/.test(char)) {
      index++
      continue
    }
    if (char === '"') {
      let end = index + 1
      let value = ''
      while (end < text.length && text[end] !== '"') {
        if (text[end] === '\\' && end + 1 < text.length) end++
        value += text[end]
        end++
      }
      if (end >= text.length)
        throw new WhereParseError(`Unterminated string literal at position ${index}`)
      tokens.push({ type: 'string', text: value, at: index })
      index = end + 1
      continue
    }
    NUMBER.lastIndex = index
    WORD.lastIndex = index
    const number = NUMBER.exec(text)
    const found = number ?? WORD.exec(text)
    if (found) {
      tokens.push({ type: number ? 'number' : 'word', text: found[0], at: index })
      index += found[0].length
      continue
    }
    const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, index))
    if (!symbol) throw new WhereParseError(`Syntax error at position ${index}: '${char}'`)
    tokens.push({ type: 'symbol', text: symbol, at: index })
    index += symbol.length
  }
  return tokens
}

/** The kind of a value as Xero's JSON carries it; dates come as `/Date(ms+0000)/`. */
function kindOf(value: unknown): Kind | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') return 'number'
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'string' && /^\/Date\(-?\d+([+-]\d{4})?\)\/$/.test(value)) return 'date'
  return 'string'
}

function comparable(value: unknown, kind: Kind): string | number | boolean {
  if (kind === 'date') return parseXeroDate(value) ?? Number.NaN
  if (kind === 'string' && typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value))
    return value.toLowerCase()
  return value as string | number | boolean
}

function incompatible(operator: string, left: Kind, right: Kind): never {
  throw new WhereParseError(
    `Operator '${operator}' incompatible with operand types '${DOT_NET_TYPE[left]}' and '${DOT_NET_TYPE[right]}'`
  )
}

function compare(operator: string, actual: unknown, expected: Literal): boolean {
  const actualKind = kindOf(actual)
  const equality = operator === '==' || operator === '=' || operator === '!='
  if (expected.kind === 'null' || actualKind === null) {
    const same = actualKind === null && expected.kind === 'null'
    if (operator === '!=') return !same
    return equality ? same : false
  }
  if (actualKind !== expected.kind) incompatible(operator, actualKind, expected.kind)
  const left = comparable(actual, actualKind)
  const right = expected.value
  if (equality) return (left === right) === (operator !== '!=')
  if (actualKind === 'string' || actualKind === 'boolean')
    incompatible(operator, actualKind, expected.kind)
  if (operator === '>=') return left >= right
  if (operator === '<=') return left <= right
  if (operator === '>') return left > right
  return left < right
}

class WhereParser {
  #position = 0

  constructor(
    private readonly tokens: Token[],
    private readonly source: string
  ) {}

  parse(): Predicate {
    const predicate = this.or()
    const rest = this.peek()
    if (rest) throw new WhereParseError(`Syntax error at position ${rest.at}: '${rest.text}'`)
    return predicate
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.#position + offset]
  }

  private next(): Token {
    const token = this.tokens[this.#position++]
    if (!token) throw new WhereParseError(`Unexpected end of expression: ${this.source}`)
    return token
  }

  private accept(type: Token['type'], text?: string): Token | null {
    const token = this.peek()
    if (!token || token.type !== type) return null
    if (text !== undefined && token.text.toLowerCase() !== text.toLowerCase()) return null
    this.#position++
    return token
  }

  private expect(type: Token['type'], text: string): Token {
    const token = this.accept(type, text)
    if (!token) {
      const found = this.peek()
      throw new WhereParseError(
        found ? `'${text}' expected at position ${found.at}` : `'${text}' expected at the end`
      )
    }
    return token
  }

  private or(): Predicate {
    const parts = [this.and()]
    while (this.accept('word', 'OR') || this.accept('symbol', '||')) parts.push(this.and())
    return parts.length === 1 ? parts[0] : (record) => parts.some((part) => part(record))
  }

  private and(): Predicate {
    const parts = [this.unary()]
    while (this.accept('word', 'AND') || this.accept('symbol', '&&')) parts.push(this.unary())
    return parts.length === 1 ? parts[0] : (record) => parts.every((part) => part(record))
  }

  private unary(): Predicate {
    if (this.accept('symbol', '!') || this.accept('word', 'NOT')) {
      const inner = this.unary()
      return (record) => !inner(record)
    }
    if (this.accept('symbol', '(')) {
      const inner = this.or()
      this.expect('symbol', ')')
      return inner
    }
    return this.condition()
  }

  /** `Field`, `Field.ToLower().Contains("x")` or `Field <op> literal`. */
  private condition(): Predicate {
    const first = this.next()
    if (first.type !== 'word')
      throw new WhereParseError(`A field name expected at position ${first.at}`)
    const path = [first.text]
    const transforms: string[] = []
    while (this.peek()?.text === '.') {
      this.next()
      const name = this.next()
      if (name.type !== 'word') throw new WhereParseError(`A name expected at position ${name.at}`)
      if (this.peek()?.text !== '(') {
        if (transforms.length > 0)
          throw new WhereParseError(`Syntax error at position ${name.at}: '${name.text}'`)
        path.push(name.text)
        continue
      }
      this.next()
      if (CASE_METHODS.includes(name.text)) {
        this.expect('symbol', ')')
        transforms.push(name.text)
        continue
      }
      if (!TEXT_METHODS.includes(name.text))
        throw new WhereParseError(`No applicable method '${name.text}' exists`)
      const argument = this.literal()
      this.expect('symbol', ')')
      if (argument.kind !== 'string')
        throw new WhereParseError(`${name.text} needs a string argument`)
      return this.textMethod(path.join('.'), transforms, name.text, String(argument.value))
    }
    const field = path.join('.')
    const read = (record: unknown) => transformed(fieldValue(record, field), transforms)
    const operator = this.peek()
    if (operator?.type !== 'symbol' || !COMPARISONS.includes(operator.text)) {
      return (record) => {
        const value = read(record)
        if (value !== undefined && value !== null && typeof value !== 'boolean') {
          throw new WhereParseError(`Expression of type 'Boolean' expected: ${field}`)
        }
        return value === true
      }
    }
    this.next()
    const expected = this.literal()
    return (record) => compare(operator.text, read(record), expected)
  }

  private textMethod(
    field: string,
    transforms: string[],
    method: string,
    expected: string
  ): Predicate {
    return (record) => {
      const actual = transformed(fieldValue(record, field), transforms)
      if (typeof actual !== 'string') return false
      if (method === 'Contains') return actual.includes(expected)
      if (method === 'StartsWith') return actual.startsWith(expected)
      return actual.endsWith(expected)
    }
  }

  private literal(): Literal {
    const token = this.next()
    if (token.type === 'string') return { kind: 'string', value: token.text }
    if (token.type === 'number') return { kind: 'number', value: Number(token.text) }
    if (token.type === 'symbol' && token.text === '-') {
      const number = this.next()
      if (number.type !== 'number')
        throw new WhereParseError(`A number expected at position ${number.at}`)
      return { kind: 'number', value: -Number(number.text) }
    }
    if (token.type !== 'word') throw new WhereParseError(`A value expected at position ${token.at}`)
    const word = token.text.toLowerCase()
    if (word === 'true' || word === 'false') return { kind: 'boolean', value: word === 'true' }
    if (word === 'null') return { kind: 'null', value: null }
    if (word === 'guid') {
      this.expect('symbol', '(')
      const value = this.next()
      this.expect('symbol', ')')
      if (
        value.type !== 'string' ||
        !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(value.text)
      ) {
        throw new WhereParseError(`guid() needs a GUID in quotes at position ${value.at}`)
      }
      return { kind: 'string', value: value.text.toLowerCase() }
    }
    if (word === 'datetime') return this.dateTime(token)
    throw new WhereParseError(`Unknown identifier '${token.text}' at position ${token.at}`)
  }

  /** `DateTime(y, m, d)` or `DateTime(y, m, d, h, m, s)`, read as UTC like Xero's JSON dates. */
  private dateTime(token: Token): Literal {
    this.expect('symbol', '(')
    const parts: number[] = []
    do {
      const part = this.next()
      if (part.type !== 'number' || part.text.includes('.')) {
        throw new WhereParseError(`DateTime needs whole numbers at position ${part.at}`)
      }
      parts.push(Number(part.text))
    } while (this.accept('symbol', ','))
    this.expect('symbol', ')')
    if (parts.length !== 3 && parts.length !== 6) {
      throw new WhereParseError(
        `DateTime at position ${token.at} needs (year, month, day) or 6 parts`
      )
    }
    const [year, month, day, hour = 0, minute = 0, second = 0] = parts
    const ms = Date.UTC(year, month - 1, day, hour, minute, second)
    const check = new Date(ms)
    const valid =
      check.getUTCFullYear() === year &&
      check.getUTCMonth() === month - 1 &&
      check.getUTCDate() === day &&
      check.getUTCHours() === hour &&
      check.getUTCMinutes() === minute &&
      check.getUTCSeconds() === second
    if (!valid) throw new WhereParseError(`DateTime(${parts.join(', ')}) is not a valid date`)
    return { kind: 'date', value: ms }
  }
}

function transformed(value: unknown, transforms: string[]): unknown {
  let current = value
  for (const transform of transforms) {
    if (typeof current !== 'string') return current
    current = transform === 'ToLower' ? current.toLowerCase() : current.toUpperCase()
  }
  return current
}

/**
 * Compiles a `where` into a predicate over a record's JSON answer. Syntax
 * errors throw at once; type errors (e.g. a string compared with `>`) throw
 * when a record is tested, both as WhereParseError.
 */
export function compileWhere(where: string | null | undefined): Predicate {
  if (!where || where.trim() === '') return () => true
  return new WhereParser(tokenize(where), where).parse()
}

function orderValue(value: unknown): [number, string | number | boolean] {
  const kind = kindOf(value)
  if (kind === null) return [0, 0]
  if (kind === 'string') return [1, (value as string).toLowerCase()]
  return [1, comparable(value, kind)]
}

/**
 * Compiles an `order` such as `Date DESC` or `Total DESC, InvoiceNumber`:
 * numbers sort as numbers, dates as dates, text without case, empty first.
 */
export function compileOrder(
  order: string | null | undefined
): ((a: unknown, b: unknown) => number) | null {
  if (!order || order.trim() === '') return null
  const keys = order.split(',').map((part) => {
    const match = /^\s*([A-Za-z_][\w.]*)(?:\s+(ASC|DESC))?\s*$/i.exec(part)
    if (!match) throw new WhereParseError(`Cannot read the order '${part.trim()}'`)
    return { field: match[1], sign: match[2]?.toUpperCase() === 'DESC' ? -1 : 1 }
  })
  return (a, b) => {
    for (const { field, sign } of keys) {
      const [aSet, left] = orderValue(fieldValue(a, field))
      const [bSet, right] = orderValue(fieldValue(b, field))
      if (aSet !== bSet) return (aSet - bSet) * sign
      if (left < right) return -sign
      if (left > right) return sign
    }
    return 0
  }
}
