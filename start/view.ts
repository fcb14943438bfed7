/*
| Edge globals shared by every template.
*/
import edge, { type Edge } from 'edge.js'
import router from '@adonisjs/core/services/router'
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

/** Money as shown in grids: 2 decimals and the currency code. */
edge.global('money', (amount: { toFixed(dp: number): string } | null, currency: string) =>
  amount === null ? '' : `${currency} ${amount.toFixed(2)}`
)
