/*
| Edge globals shared by every template.
*/
import edge, { Template, type Edge } from 'edge.js'
import router from '@adonisjs/core/services/router'
import { Decimal } from 'decimal.js'
import { recordStatusLabels } from '#enums/record_status'

/**
 * edge.js 6.5 never caches a partial reached through `@include`: it passes the
 * caller's local variable names (an array, empty or not) and skips the cache
 * whenever they are given, so every request re-reads, re-parses (acorn) and
 * re-compiles each included partial; on the Invoices tab that was a third of
 * the server's time. A partial's compiled function depends only on its path
 * and those names, so it is cached here under both, when caching is on
 * (production).
 */
export function cacheIncludedPartials(renderer: Edge) {
  for (const compiler of [renderer.compiler, renderer.asyncCompiler]) {
    const compile = compiler.compile.bind(compiler)
    const compiled = new Map<string, ReturnType<typeof compile>>()
    compiler.compile = (templatePath, localVariables) => {
      if (!localVariables || !compiler.cacheManager.enabled)
        return compile(templatePath, localVariables)
      const key = `${templatePath}\0${localVariables.join(',')}`
      let template = compiled.get(key)
      if (!template) {
        template = compile(templatePath, localVariables)
        compiled.set(key, template)
      }
      return template
    }
  }
}

cacheIncludedPartials(edge)

/**
 * edge.js 6.5 decides once, when the singleton is built without options, that its
 * components plugin re-runs on every render; `configure({ cache: true })` later
 * (production) does not change that, so every request listed resources/views/components
 * from disk (a readdir and a stat per request). With the cache on, the templates cannot
 * change, so the list is read once.
 */
export function cacheComponentList(renderer: Edge) {
  const list = renderer.loader.listComponents.bind(renderer.loader)
  let listed: ReturnType<typeof list> | undefined
  renderer.loader.listComponents = () => {
    if (!renderer.compiler.cacheManager.enabled) return list()
    listed ??= list()
    return listed
  }
}

cacheComponentList(edge)

/** The characters he.escape (Edge's escaping) replaces. */
const ESCAPED = /["&'<>`]/

/**
 * Edge escapes every `{{ }}` through he.escape, a global replace with a callback, which costs as much for
 * text with nothing to escape (nearly every cell of a grid) as for text with something: 3-5 % of the
 * grids' server time (bench:web profiles of the Invoices and Sync Logs tabs). Text and numbers with none
 * of those characters are returned as they are; anything else goes through Edge's own escape, so pages
 * read the same.
 */
export function escapeOnlyWhenNeeded(template: typeof Template) {
  const escape = template.prototype.escape
  template.prototype.escape = function (input: any) {
    if (typeof input === 'string') return ESCAPED.test(input) ? escape.call(this, input) : input
    if (typeof input === 'number') return String(input)
    return escape.call(this, input)
  }
}

escapeOnlyWhenNeeded(Template)

edge.global('recordStatusLabels', recordStatusLabels)
edge.global('appName', 'Accounting Toolbox')

/** How a connection's health reads on a product card. */
edge.global('healthLabel', (health: string, message: string | null) => {
  if (health === 'ok') return 'Connected'
  if (health === 'error') return message ? `Error: ${message}` : 'Error'
  return 'Not checked yet'
})

/**
 * A named route's URL for every row of a grid: `routeForEach('invoices.show', { product_id })(id)`.
 * The router parses a route's pattern on every `route()` call; a 50-row grid with
 * four links a row paid for that 200 times per page.
 */
const ROW_MARKER = 'row0marker'
edge.global('routeForEach', (name: string, params: Record<string, unknown>, key = 'id') => {
  // A marker the URL builder leaves as it is (AdonisJS 7 percent-encodes parameters).
  const [head, tail] = router.makeUrl(name, { ...params, [key]: ROW_MARKER }).split(ROW_MARKER)
  return (value: string | number) => `${head}${value}${tail}`
})

/** Bulma colour of a status button; the label always says the status in words too. */
edge.global('statusClass', (status: string) => {
  const classes: Record<string, string> = {
    pending: 'is-info',
    processing: 'is-warning',
    synced: 'is-success',
    fault: 'is-danger',
    skipped: 'is-light',
    diagnostic: 'is-link',
  }
  return classes[status] ?? 'is-light'
})

/**
 * The locale numbers are shown in: the first language of the reader's browser (Accept-Language) that
 * Intl knows, else "en". The account holds no locale of its own; the currency code is always shown, so
 * a reader abroad never mistakes one currency for another, only the separators follow them.
 */
export function displayLocale(acceptLanguage: string | null | undefined): string {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0].trim()
    if (!tag || tag === '*') continue
    try {
      const [supported] = Intl.NumberFormat.supportedLocalesOf(tag)
      if (supported) return supported
    } catch {
      // A malformed tag: try the next one.
    }
  }
  return 'en'
}

const moneyFormats = new Map<string, Intl.NumberFormat | null>()

/**
 * Money as shown on pages: the currency code, thousands separators and 2 decimals in the reader's locale
 * ("NZD 150,534.41", "150.534,41 NZD"), joined by a no-break space. The decimal goes to Intl as a string,
 * so no float ever rounds it.
 */
export function formatMoney(
  amount: { toFixed(dp: number): string } | string | null | undefined,
  currency: string,
  locale = 'en'
): string {
  if (amount === null || amount === undefined || amount === '') return ''
  const key = `${locale}\0${currency}`
  if (!moneyFormats.has(key)) {
    let format: Intl.NumberFormat | null = null
    try {
      format = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        currencyDisplay: 'code',
        minimumFractionDigits: 2,
        maximumFractionDigits: 2,
      })
    } catch {
      // Not an ISO 4217 code Intl knows: shown as stored, below.
    }
    moneyFormats.set(key, format)
  }
  const format = moneyFormats.get(key)
  // Intl rounds a decimal string half away from zero, as Decimal's toFixed does: no Decimal needed for it.
  if (format)
    return format.format(
      (typeof amount === 'string' ? amount : amount.toFixed(2)) as Intl.StringNumericLiteral
    )
  return `${currency}\u00a0${twoDecimals(amount)}`
}

/** An amount with 2 decimals; text that is not a number is shown as it is. */
function twoDecimals(amount: { toFixed(dp: number): string } | string): string {
  if (typeof amount !== 'string') return amount.toFixed(2)
  try {
    return new Decimal(amount).toFixed(2)
  } catch {
    return amount
  }
}

edge.global('money', formatMoney)

/**
 * A log line that ends in JSON (a diagnostic trace logs whole payloads on one line) split into its words and
 * the JSON pretty-printed, so pages fold the payload instead of stretching to its width.
 */
export function logPayload(message: string): { text: string; payload: string | null } {
  const at = message.search(/[[{]/)
  if (at < 0 || message.length - at < 80) return { text: message, payload: null }
  try {
    const parsed: unknown = JSON.parse(message.slice(at))
    return { text: message.slice(0, at).trim(), payload: JSON.stringify(parsed, null, 2) }
  } catch {
    return { text: message, payload: null }
  }
}

edge.global('logPayload', logPayload)
