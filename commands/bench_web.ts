import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import db from '@adonisjs/lucid/services/db'
import type Autocannon from 'autocannon'
import type { ChildProcess } from 'node:child_process'
import {
  buildApp,
  cpuMsOf,
  freshDatabase,
  memoryOf,
  outputOf,
  quantile,
  resetPeakMemory,
  root,
  round,
  startChild,
  startScriptOf,
  watchMemory,
} from '#bench/support'

const EMAIL = 'bench@example.com'
const PASSWORD = 'bench-password-1'
const BRANDS = [
  'Harbour',
  'Summit',
  'Kauri',
  'Tasman',
  'Pacific',
  'Southern',
  'Alpine',
  'Coastal',
  'Northland',
  'Capital',
  'Riverside',
  'Golden',
]
const TRADES = [
  'Plumbing',
  'Electrical',
  'Dental',
  'Legal',
  'Motors',
  'Logistics',
  'Accounting',
  'Builders',
  'Veterinary',
  'Printing',
]
const SUFFIXES = ['Ltd', 'Limited', 'Group']

/** `ELT(1 + expression % n, 'a', 'b', …)`: one of the words, picked in SQL. */
const pick = (expression: string, words: string[]) =>
  `ELT(1 + (${expression}) % ${words.length}, ${words.map((w) => `'${w}'`).join(', ')})`

/**
 * PRODUCT.md §8 "Speed", the web half: one product with 100,000 invoices and
 * 1,000,000 log lines in MySQL, the production server in a child process,
 * 20 connections for 10 s on each tab and search (autocannon), each after a slice of the
 * sign-in page (the floor: each route's p95 ratio is over the median slice), then a
 * 100,000-row Excel export with the server's peak RSS. Prints one line of JSON last.
 */
export default class BenchWeb extends BaseCommand {
  static commandName = 'bench:web'
  static description =
    'Benchmark the invoices tab, log search and exports on 100,000 invoices and 1,000,000 log lines'
  static options: CommandOptions = { startApp: true }

  @flags.number({
    description: 'Invoice records seeded (log lines are ten per invoice)',
    default: 100_000,
  })
  declare invoices: number

  @flags.number({ description: 'Port of the app server', default: 3450 })
  declare port: number

  @flags.number({ description: 'Seconds per route', default: 10 })
  declare seconds: number

  @flags.number({ description: 'Concurrent connections', default: 20 })
  declare connections: number

  @flags.number({
    description: 'Seconds of unmeasured load per route first, so the JIT has compiled its code',
    default: 2,
  })
  declare warmup: number

  @flags.boolean({
    description:
      "Also report the server's CPU time per request of each route (ms) and its ratio to the floor's",
  })
  declare cpu: boolean

  @flags.boolean({ description: 'Keep the seeded database from the last run (skip seeding)' })
  declare reuse: boolean

  @flags.boolean({
    description: 'Run the server from the TypeScript sources (ts-exec loader) instead of a build',
    default: false,
  })
  declare source: boolean

  async run() {
    // The server runs as production runs it (compiled, no TypeScript loader) unless --source asks otherwise.
    let serverRoot: string | undefined
    if (!this.source) {
      this.logger.info(
        'Building the app (node ace build): the server runs compiled, as in production'
      )
      serverRoot = buildApp()
    }
    let productId: number
    if (this.reuse) {
      productId = Number((await db.from('products').select('id').orderBy('id').firstOrFail()).id)
    } else {
      this.logger.info('Fresh database')
      await freshDatabase()
      productId = await this.seed()
    }

    const base = `http://127.0.0.1:${this.port}`
    // The server runs as `npm start` runs it in production: the start script's environment and node flags.
    const start = startScriptOf(serverRoot ?? root)
    this.logger.info(
      `Server: ${start.script}${this.source ? ' (from the sources, under ts-exec)' : ''}`
    )
    const serverArgs = [
      ...start.nodeArgs,
      ...(this.source ? ['--import=@poppinss/ts-exec'] : []),
      'bin/server.js',
    ]
    const server = await startChild(
      serverArgs,
      {
        ...start.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        SESSION_DRIVER: 'database',
      },
      null,
      serverRoot
    )
    try {
      await this.waitFor(`${base}/login`, server)
      const cookie = await this.signIn(base)
      const products = `${base}/products/${productId}`
      const autotaskId = Number(
        (
          await db
            .from('invoice_records')
            .where('product_id', productId)
            .orderBy('id')
            .offset(Math.floor(this.invoices / 2))
            .select('autotask_id')
            .firstOrFail()
        ).autotask_id
      )
      const routes: [string, string][] = [
        ['invoices', `${products}/invoices`],
        ['invoice_search', `${products}/invoices?q=Harbour`],
        ['logs', `${products}/logs`],
        ['log_search_text', `${products}/logs?q=Harbour`],
        ['log_search_id', `${products}/logs?autotaskId=${autotaskId}`],
        // "Older lines" halfway down the log: a page next to a cursor, not the newest.
        ['logs_older', `${products}/logs?before=${await this.middleLogId(productId)}`],
      ]
      const rowsShown = /data-testid="(record-row|log-line)"/
      const signInForm = /name="password"/
      // The whole server is warmed before anything is measured, the floor and every route in turn: the code
      // they share (middleware, the layout, Lucid) went on compiling through the first measured loads, and the
      // first route's server CPU per request was 2.7-3.1 ms in two of five runs, against 1.5-1.7 in the others.
      await this.warmUp(`${base}/login`, '', signInForm)
      for (const [, url] of routes) await this.warmUp(url, cookie, rowsShown)
      // The floor: the sign-in page is a full Edge page through the same middleware with no read of
      // the database (a request without a cookie writes only its new session row), so a route's p95 over
      // it is what the route adds, whatever the machine.
      // It is measured in slices, one just before each route, and each ratio is over the median of the
      // slices' p95s: measured once, first, on a fresh server, it swung 35-84 ms between runs and moved every
      // ratio with it. The median, never the largest slice, so a slow slice cannot flatter the routes.
      const floorSlices: Awaited<ReturnType<typeof this.measure>>[] = []
      const measured: [string, Awaited<ReturnType<typeof this.measure>>][] = []
      for (const [name, url] of routes) {
        floorSlices.push(
          await this.measure('sign-in (floor)', `${base}/login`, '', signInForm, base, server.pid!)
        )
        measured.push([name, await this.measure(name, url, cookie, rowsShown, base, server.pid!)])
      }
      const floor = {
        p95: quantile(
          floorSlices.map((slice) => slice.p95),
          0.5
        ),
        median: quantile(
          floorSlices.map((slice) => slice.median),
          0.5
        ),
        cpuMs: round(
          floorSlices.reduce((sum, slice) => sum + slice.cpuMs * slice.requests, 0) /
            Math.max(
              1,
              floorSlices.reduce((sum, slice) => sum + slice.requests, 0)
            ),
          2
        ),
      }
      this.logger.log(
        `floor: p95 ${floor.p95} ms (median of slices ${floorSlices.map((slice) => slice.p95).join(', ')}), median ${floor.median} ms`
      )
      const figures: Record<string, number> = {}
      const cpu: Record<string, number> = { floor_cpu_ms: floor.cpuMs }
      for (const [name, result] of measured) {
        figures[`${name}_median_ms`] = result.median
        figures[`${name}_p95_ms`] = result.p95
        figures[`${name}_p95_ratio`] = round(result.p95 / floor.p95, 2)
        cpu[`${name}_cpu_ms`] = result.cpuMs
        cpu[`${name}_cpu_ratio`] = round(result.cpuMs / floor.cpuMs, 2)
      }

      const exported = await this.export(`${products}/invoices/export/xlsx`, cookie, server.pid!)
      this.logger.log(
        `export xlsx: ${exported.rows} rows, ${round(exported.bytes / 1024 / 1024, 1)} MB in ${round(exported.seconds, 1)} s; server RSS ${round(exported.beforeMb, 1)} MB before, peak ${round(exported.peakMb, 1)} MB`
      )
      console.log(
        JSON.stringify({
          floor_p95_ms: floor.p95,
          floor_median_ms: floor.median,
          floor_p95_slices_ms: floorSlices.map((slice) => slice.p95),
          invoices_p95_ratio: figures.invoices_p95_ratio,
          invoice_search_p95_ratio: figures.invoice_search_p95_ratio,
          logs_p95_ratio: figures.logs_p95_ratio,
          log_search_text_p95_ratio: figures.log_search_text_p95_ratio,
          log_search_id_p95_ratio: figures.log_search_id_p95_ratio,
          logs_older_p95_ratio: figures.logs_older_p95_ratio,
          invoices_p95_ms: figures.invoices_p95_ms,
          invoice_search_p95_ms: figures.invoice_search_p95_ms,
          logs_p95_ms: figures.logs_p95_ms,
          log_search_text_p95_ms: figures.log_search_text_p95_ms,
          log_search_id_p95_ms: figures.log_search_id_p95_ms,
          logs_older_p95_ms: figures.logs_older_p95_ms,
          export_100k_peak_rss_mb: round(exported.peakMb, 1),
          invoices_median_ms: figures.invoices_median_ms,
          invoice_search_median_ms: figures.invoice_search_median_ms,
          logs_median_ms: figures.logs_median_ms,
          log_search_text_median_ms: figures.log_search_text_median_ms,
          log_search_id_median_ms: figures.log_search_id_median_ms,
          logs_older_median_ms: figures.logs_older_median_ms,
          export_rows: exported.rows,
          export_seconds: round(exported.seconds, 1),
          export_rss_before_mb: round(exported.beforeMb, 1),
          ...(this.cpu ? cpu : {}),
          connections: this.connections,
          seconds_per_route: this.seconds,
          warmup_seconds: this.warmup,
        })
      )
    } finally {
      server.kill('SIGTERM')
    }
  }

  /** A user, its account and one Active product; the invoices and log lines are made by MySQL itself. */
  private async seed() {
    // Loaded here, not at the top: Ace imports every command file to run any one of them.
    const { default: UserService } = await import('#services/user_service')
    const { ProductFactory } = await import('#database/factories/product_factory')
    const created = await (
      await this.app.container.make(UserService)
    ).create({
      email: EMAIL,
      password: PASSWORD,
      accountName: 'Bench MSP',
      role: 'owner',
    })
    if (!created.ok) throw new Error(created.reason)
    const product = await ProductFactory.merge({
      accountId: created.account.id,
      name: 'Bench Books',
      status: 'active',
    }).create()

    const started = performance.now()
    await db.rawQuery('CREATE TABLE bench_digits (d INT PRIMARY KEY)')
    await db.rawQuery('INSERT INTO bench_digits (d) VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)')
    const powers = Math.ceil(Math.log10(this.invoices))
    const tables = Array.from({ length: powers }, (_, i) => `bench_digits d${i}`).join(
      ' CROSS JOIN '
    )
    const n = Array.from({ length: powers }, (_, i) => `d${i}.d * ${10 ** i}`).join(' + ')
    const company = `(n % 300)`
    const name = `CONCAT(${pick(company, BRANDS)}, ' ', ${pick(`${company} DIV 12`, TRADES)}, ' ', ${pick(`${company} DIV 120`, SUFFIXES)})`
    // Oldest first, so ids and dates grow together as they do in a real product.
    const stamp = `TIMESTAMPADD(MINUTE, n * 10, TIMESTAMP('2022-01-01 00:00:00'))`
    await db.rawQuery(
      `INSERT INTO invoice_records (product_id, autotask_id, invoice_number, autotask_company_id, company_name, invoice_date, due_date,
         subtotal, tax_total, total, currency, status, fault_reason, fault_hint, attempts, xero_invoice_id, xero_invoice_number,
         synced_at, \`lines\`, needs_refresh, autotask_tax_region_id, autotask_tax_region_name, created_at, updated_at)
       SELECT ?, 29680001 + n, CAST(10001 + n AS CHAR), 174 + ${company}, ${name}, DATE(${stamp}), DATE(TIMESTAMPADD(DAY, 20, ${stamp})),
         s, ROUND(s * 0.15, 2), ROUND(s * 1.15, 2), 'NZD', st,
         IF(st = 'fault', 'Invoice amounts do not match: Autotask NZD 10.00, Xero would total NZD 10.01.', NULL),
         IF(st = 'fault', 'Correct the invoice in Autotask or the mappings, then resync.', NULL), 0,
         IF(st = 'synced', UUID(), NULL), IF(st = 'synced', CONCAT('INV-', LPAD(n + 1, 6, '0')), NULL),
         IF(st = 'synced', ${stamp}, NULL), '[]', 0, 1, 'GST NZ', ${stamp}, ${stamp}
       FROM (
         SELECT n, ROUND(10 + (n * 7919 % 100000) / 37, 2) AS s,
           CASE WHEN n % 50 = 7 THEN 'fault' WHEN n % 40 = 3 THEN 'skipped' WHEN n >= ? THEN 'pending' ELSE 'synced' END AS st
         FROM (SELECT ${n} AS n FROM ${tables}) AS numbers
         WHERE n < ?
       ) AS seeded
       ORDER BY n`,
      [product.id, this.invoices - 100, this.invoices]
    )
    this.logger.info(
      `${this.invoices} invoices in ${round((performance.now() - started) / 1000, 1)} s`
    )

    // The full-text index is built once after the bulk load (as a restore would), not row by row.
    await db.rawQuery('ALTER TABLE sync_logs DROP INDEX sync_logs_message_fulltext')
    const events = [
      [
        'info',
        'invoice.discovered',
        `CONCAT('Invoice ', r.invoice_number, ' found for ', r.company_name, ' (NZD ', r.total, '): Pending Sync')`,
      ],
      [
        'info',
        'contact.linked',
        `CONCAT('Company "', r.company_name, '" (#', r.autotask_company_id, ') linked to Xero contact "', r.company_name, '", matched by number')`,
      ],
      [
        'warn',
        'invoice.retry',
        `CONCAT('Invoice ', r.invoice_number, ': Xero is rate limiting (minute limit); retrying at 10:42:07 UTC (attempt 1 of 8)')`,
      ],
      [
        'info',
        'invoice.synced',
        `CONCAT('Invoice ', r.invoice_number, ' created in Xero as INV-', LPAD(r.autotask_id - 29680000, 6, '0'), ' (AUTHORISED, total ', r.total, ')')`,
      ],
      [
        'info',
        'invoice.resync',
        `CONCAT('Invoice ', r.invoice_number, ' marked for resync by owner@', LOWER(SUBSTRING_INDEX(r.company_name, ' ', 1)), '.example')`,
      ],
      [
        'info',
        'invoice.refreshed',
        `CONCAT('Invoice ', r.invoice_number, ' downloaded again from Autotask for the resync')`,
      ],
      [
        'error',
        'invoice.fault',
        `CONCAT('Invoice ', r.invoice_number, ': Xero refused the invoice: Account code ''200'' is not a valid code for this document.')`,
      ],
      [
        'info',
        'invoice.synced',
        `CONCAT('Invoice ', r.invoice_number, ' found in Xero by number and updated in Xero as INV-', LPAD(r.autotask_id - 29680000, 6, '0'), ' (AUTHORISED, total ', r.total, ')')`,
      ],
      [
        'info',
        'slack.posted',
        `CONCAT('Slack alert posted for invoice ', r.invoice_number, ' of ', r.company_name)`,
      ],
      [
        'info',
        'run.finished',
        `CONCAT('Sync run #', 1 + r.id DIV 500, ' succeeded: 500 found, 480 synced, 12 faulted, 8 skipped')`,
      ],
    ]
    const chooser = (index: number) =>
      `ELT(d.d + 1, ${events
        .map((e) => e[index])
        .map((v) => (index === 2 ? v : `'${v}'`))
        .join(', ')})`
    const lines = performance.now()
    const [{ min, max }] = (
      await db.rawQuery('SELECT MIN(id) AS min, MAX(id) AS max FROM invoice_records')
    )[0]
    for (let from = Number(min); from <= Number(max); from += 10_000) {
      await db.rawQuery(
        `INSERT INTO sync_logs (product_id, sync_run_id, invoice_record_id, level, event, message, autotask_id, actor, created_at)
         SELECT r.product_id, 1 + r.id DIV 500, r.id, ${chooser(0)}, ${chooser(1)}, ${chooser(2)}, r.autotask_id, 'engine',
           TIMESTAMPADD(SECOND, d.d * 50, r.created_at)
         FROM invoice_records r CROSS JOIN bench_digits d
         WHERE r.id >= ? AND r.id < ?
         ORDER BY r.id, d.d`,
        [from, from + 10_000]
      )
    }
    this.logger.info(
      `${this.invoices * 10} log lines in ${round((performance.now() - lines) / 1000, 1)} s`
    )
    const index = performance.now()
    // FORCE rebuilds the table: MariaDB stops numbering full-text documents while the table has no FULLTEXT
    // index, and an index added in place over rows inserted meanwhile finds nothing at all.
    await db.rawQuery(
      'ALTER TABLE sync_logs ADD FULLTEXT INDEX sync_logs_message_fulltext (message), FORCE'
    )
    const [[{ found }]] = await db.rawQuery(
      `SELECT COUNT(*) AS found FROM sync_logs WHERE MATCH (message) AGAINST ('+harbour' IN BOOLEAN MODE)`
    )
    if (Number(found) === 0)
      throw new Error('The rebuilt full-text index finds no line with "harbour"')
    await db.rawQuery('DROP TABLE bench_digits')
    await db.rawQuery('ANALYZE TABLE invoice_records, sync_logs')
    this.logger.info(
      `full-text index and statistics in ${round((performance.now() - index) / 1000, 1)} s`
    )
    return product.id
  }

  private async waitFor(url: string, server: ChildProcess) {
    for (let attempt = 0; attempt < 300; attempt++) {
      if (server.exitCode !== null) throw new Error(`The server exited:\n${outputOf(server)}`)
      try {
        if ((await fetch(url)).ok) return
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    throw new Error(`The server did not answer ${url}:\n${outputOf(server)}`)
  }

  /** Signs in as a person does (form with its CSRF token) and returns the Cookie header to send. */
  private async signIn(base: string) {
    const jar = new Map<string, string>()
    const keep = (response: Response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';')
        const at = pair.indexOf('=')
        jar.set(pair.slice(0, at), pair.slice(at + 1))
      }
    }
    const header = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
    const form = await fetch(`${base}/login`)
    keep(form)
    const token = (await form.text()).match(/name=['"]_csrf['"] value=['"]([^'"]+)['"]/)?.[1]
    if (!token) throw new Error('No CSRF token on the sign-in page')
    const answer = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cookie': header() },
      body: new URLSearchParams({ _csrf: token, email: EMAIL, password: PASSWORD }),
    })
    keep(answer)
    if (answer.status !== 302 && answer.status !== 303)
      throw new Error(`Sign-in answered ${answer.status}`)
    return header()
  }

  /** Warms a route up, then loads it with the clients and logs its figures. */
  private async measure(
    name: string,
    url: string,
    cookie: string,
    expected: RegExp,
    base: string,
    pid: number
  ) {
    await this.warmUp(url, cookie, expected)
    const cpuBefore = cpuMsOf(pid)
    const result = await this.load(url, cookie)
    // The server's CPU time over the measured load, per request answered.
    const cpuMs = round((cpuMsOf(pid) - cpuBefore) / Math.max(1, result.requests), 2)
    this.logger.log(
      `${name.padEnd(16)} ${url.replace(base, '')}: median ${result.median} ms, p95 ${result.p95} ms, ${result.requests} requests, ${result.rps} req/s${this.cpu ? `, server CPU ${cpuMs} ms/request` : ''}${result.errors ? `, ${result.errors} errors/non-2xx` : ''}`
    )
    return { ...result, cpuMs }
  }

  /**
   * Compiles the route's code and templates before it is measured, and checks
   * the page lists rows: a fast empty answer (a broken index, a wrong id) must not pass for a fast search.
   * Then loads it, unmeasured, for `--warmup` seconds.
   */
  private async warmUp(url: string, cookie: string, expected: RegExp) {
    const { default: autocannon } = await import('autocannon')
    for (let i = 0; i < 5; i++) {
      const response = await fetch(url, { headers: { cookie }, redirect: 'manual' })
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}`)
      const html = await response.text()
      if (!expected.test(html)) throw new Error(`${url} does not show ${expected}`)
    }
    // A served route is warm: five requests do not get its code past V8's first tiers, a short burst does.
    if (this.warmup > 0) {
      await new Promise((resolve, reject) =>
        autocannon(
          { url, connections: this.connections, duration: this.warmup, headers: { cookie } },
          (error, done) => (error ? reject(error) : resolve(done))
        )
      )
    }
  }

  private async load(url: string, cookie: string) {
    // A development package: loaded here so a production build can still list commands.
    const { default: autocannon } = await import('autocannon')
    const latencies: number[] = []
    const result = await new Promise<Autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        { url, connections: this.connections, duration: this.seconds, headers: { cookie } },
        (error, done) => (error ? reject(error) : resolve(done))
      )
      instance.on('response', (_client, _status, _bytes, responseTime) =>
        latencies.push(responseTime)
      )
    })
    return {
      median: round(quantile(latencies, 0.5), 1),
      p95: round(quantile(latencies, 0.95), 1),
      requests: latencies.length,
      rps: round(result.requests.average, 1),
      errors: result.errors + result.timeouts + result.non2xx,
    }
  }

  /** The id of the product's log line halfway down its log. */
  private async middleLogId(productId: number) {
    const { lowest, highest } = await db
      .from('sync_logs')
      .where('product_id', productId)
      .min('id as lowest')
      .max('id as highest')
      .firstOrFail()
    return Math.floor((Number(lowest) + Number(highest)) / 2)
  }

  /** Downloads the export, reading the server's peak RSS (VmHWM reset first) over the download. */
  private async export(url: string, cookie: string, pid: number) {
    const beforeMb = memoryOf(pid)?.rssMb ?? 0
    resetPeakMemory(pid)
    const memory = watchMemory(pid, 50)
    const started = performance.now()
    const response = await fetch(url, { headers: { cookie } })
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`)
    let bytes = 0
    for await (const chunk of response.body!) bytes += (chunk as Uint8Array).byteLength
    const seconds = (performance.now() - started) / 1000
    const peakMb = memory.stop()
    const rows = Number((await db.from('invoice_records').count('* as n').firstOrFail()).n)
    return { beforeMb, peakMb, seconds, bytes, rows }
  }
}
