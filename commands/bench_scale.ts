import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { toSqlDateTime } from '#models/columns'
import { execFileSync, type ChildProcess } from 'node:child_process'
import type { AutotaskSandbox } from '#sandbox/autotask/index'
import {
  XERO_BATCH,
  cpuMsOf,
  exited,
  freshDatabase,
  outputOf,
  quantile,
  round,
  sandboxProduct,
  sandboxWorkerEnv,
  startChild,
  watchMemory,
  workerScript,
  xeroFloorMinutes,
} from '#bench/support'

/** Xero's real limits per organisation and across the app (https://developer.xero.com/documentation/guides/oauth2/limits/). */
const XERO_LIMITS = { perMinute: 60, concurrent: 5, perDay: 5000, appPerMinute: 10_000 }

/** The mixed day (--mixed): one big product among many small ones, all due at once. */
const MIXED_DAY = { bigInvoices: 10_000, smallProducts: 99, smallInvoices: 10 }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What one billing day with `workers` worker processes measured. */
interface DayResult {
  workers: number
  /** sandbox minutes from the first Autotask request to the last invoice written in Xero */
  minutes: number
  /**
   * per product: sandbox minutes from that first request to its own last invoice ÷ its own floor, the
   * larger of its Xero floor and its fair share of this machine (see fairShareMinutes)
   */
  fairness: number[]
  /** the same ÷ its own Xero floor alone (issue 12's words taken literally) */
  fairnessXeroOnly: number[]
  /** per product: sandbox minutes from that first request to its own last invoice */
  lastInvoiceMinutes: number[]
  synced: number
  faulted: number
  duplicates: number
  lost: number
  xeroCalls: number
  xero429s: number
  xeroMaxConcurrency: number
  peakRssMb: number[]
  /** CPU seconds the day cost: each worker, MySQL (the whole server), this process (the sandboxes) */
  cpuSeconds: { workers: number[]; mysql: number | null; sandboxes: number }
  /** MySQL's statements over the day, by kind (the server's counters: the bench's own polling is in them) */
  statements: Record<string, number>
  /** per worker: the products it ran (a product can run in both, one after the other) */
  productsPerWorker: number[]
  finished: boolean
}

/**
 * A product's fair share of this machine, in sandbox minutes: when it has `invoices` and every product
 * of `sizes` is due at once, the machine working on all pending products alike (processor sharing) has
 * finished it once it has done min(n, invoices) of every product's n. Alone or among equals, that is all
 * the invoices at the machine's rate; a small product among big ones finishes early.
 */
function fairShareMinutes(
  invoices: number,
  sizes: number[],
  perSecond: number,
  clockSpeed: number
) {
  const work = sizes.reduce((sum, n) => sum + Math.min(n, invoices), 0)
  return (work / perSecond / 60) * clockSpeed
}

/** MariaDB's (or MySQL's) server process on this machine, for its CPU time; null if it is elsewhere. */
function mysqlPid(): number | null {
  for (const name of ['mariadbd', 'mysqld']) {
    try {
      const pid = execFileSync('pidof', [name], { encoding: 'utf8' }).trim().split(' ')[0]
      if (pid) return Number(pid)
    } catch {}
  }
  return null
}

/** The server's statement and lock counters (SHOW GLOBAL STATUS); a day's are the difference over it. */
const STATEMENT_COUNTERS: Record<string, string> = {
  Com_select: 'select',
  Com_insert: 'insert',
  Com_update: 'update',
  Com_delete: 'delete',
  Com_commit: 'commit',
  Com_rollback: 'rollback',
  Innodb_row_lock_waits: 'row_lock_waits',
  Innodb_deadlocks: 'deadlocks',
}

async function statementCounters(): Promise<Record<string, number>> {
  const [rows] = await db.rawQuery(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${Object.keys(STATEMENT_COUNTERS)
      .map((name) => `'${name}'`)
      .join(', ')})`
  )
  return Object.fromEntries(
    (rows as { Variable_name: string; Value: string }[]).map((row) => [
      STATEMENT_COUNTERS[row.Variable_name],
      Number(row.Value),
    ])
  )
}

/**
 * Issue 12's billing day: P products, each its own Autotask database (an Autotask sandbox of its own)
 * and its own Xero organisation (with Xero's real limits, on a sped-up clock), I invoices each, worked
 * by real `npm run worker` processes (the scheduler's tick) on a fresh MySQL database: first one worker,
 * then two. Against two floors: Xero's (the slowest organisation's, or the app-wide limit) and this
 * machine's (every invoice at the rate one worker reaches on one organisation with no latency and no
 * rate limit, measured first in the same run). Prints one line of JSON last.
 */
export default class BenchScale extends BaseCommand {
  static commandName = 'bench:scale'
  static description =
    'Benchmark a billing day: many products, each its own Autotask and Xero organisation, one worker then two'
  static options: CommandOptions = { startApp: true }

  @flags.number({
    description: 'Products, each its own Autotask database and Xero organisation',
    default: 100,
  })
  declare products: number

  @flags.number({ description: 'Invoices seeded in each Autotask database', default: 200 })
  declare invoices: number

  @flags.number({ description: 'Companies each Autotask database spreads them over', default: 20 })
  declare companies: number

  @flags.number({ description: 'Sandbox milliseconds each Xero call takes', default: 2000 })
  declare latencyMs: number

  @flags.number({ description: 'Xero sandbox seconds per real second', default: 4 })
  declare clockSpeed: number

  @flags.number({
    description:
      'Invoices of the no-latency single-organisation run that measures this machine (at most)',
    default: 5000,
  })
  declare machineInvoices: number

  @flags.number({
    description: 'Real minutes a day may take before it is reported unfinished',
    default: 30,
  })
  declare maxMinutes: number

  @flags.boolean({
    description: 'Run the workers from the TypeScript sources instead of a build',
    default: false,
  })
  declare source: boolean

  @flags.boolean({
    description: "Run the workers with V8's defaults instead of the node flags of `npm run worker`",
    default: false,
  })
  declare defaultHeap: boolean

  @flags.boolean({
    description: `Run only a mixed day instead, one worker: one product of ${MIXED_DAY.bigInvoices} invoices and ${MIXED_DAY.smallProducts} of ${MIXED_DAY.smallInvoices} (are the small ones held behind the big one?)`,
    default: false,
  })
  declare mixed: boolean

  async run() {
    if (!this.source)
      this.logger.info(
        'Building the app (node ace build): the workers run compiled, as in production'
      )
    const worker = workerScript({ source: this.source, defaultHeap: this.defaultHeap })
    const machine = await this.machineRate(worker)
    this.logger.info(
      `This machine: ${round(machine.perSecond, 1)} invoices a second on one organisation`
    )
    if (this.mixed) return this.mixedDay(worker, machine.perSecond)
    const days: DayResult[] = []
    for (const workers of [1, 2]) {
      days.push(
        await this.day(
          workers,
          worker,
          Array.from({ length: this.products }, () => this.invoices),
          machine.perSecond
        )
      )
      const day = days.at(-1)!
      this.logger.info(
        `${workers} worker(s): ${round(day.minutes, 2)} sandbox minutes, ${day.synced} synced, ${day.faulted} faulted, ` +
          `${day.duplicates} duplicates, ${day.lost} lost, peak RSS ${day.peakRssMb.map((mb) => round(mb, 1)).join(' / ')} MB`
      )
    }

    const total = this.products * this.invoices
    const { organisationFloor, appFloor, xeroFloor, machineFloor, floor } = this.floors(
      Array.from({ length: this.products }, () => this.invoices),
      machine.perSecond
    )
    const [one, two] = days
    this.logger.log('')
    this.logger.log(
      `Floors (sandbox minutes): Xero ${round(xeroFloor, 3)} (per organisation ${round(organisationFloor, 3)}, ` +
        `app-wide ${round(appFloor, 3)}), this machine ${round(machineFloor, 3)} (${total} invoices at ` +
        `${round(machine.perSecond, 1)}/s real, ×${this.clockSpeed})`
    )
    this.logger.log('')
    console.log(
      JSON.stringify({
        products: this.products,
        invoices_each: this.invoices,
        latency_ms: this.latencyMs,
        clock_speed: this.clockSpeed,
        machine_invoices_per_second: round(machine.perSecond, 1),
        xero_floor_minutes: round(xeroFloor, 3),
        machine_floor_minutes: round(machineFloor, 3),
        floor_minutes: round(floor, 3),
        one_worker_minutes: round(one.minutes, 3),
        two_workers_minutes: round(two.minutes, 3),
        time_to_floor_ratio: round(one.minutes / floor, 2),
        two_workers_time_to_floor_ratio: round(two.minutes / floor, 2),
        fairness_p95: round(quantile(one.fairness, 0.95), 2),
        two_workers_fairness_p95: round(quantile(two.fairness, 0.95), 2),
        fairness_p95_xero_floor: round(quantile(one.fairnessXeroOnly, 0.95), 2),
        two_workers_speedup: round(one.minutes / two.minutes, 2),
        synced: [one.synced, two.synced],
        faulted: [one.faulted, two.faulted],
        duplicates: one.duplicates + two.duplicates,
        lost: one.lost + two.lost,
        finished: one.finished && two.finished,
        xero_calls: [one.xeroCalls, two.xeroCalls],
        xero_429s: [one.xero429s, two.xero429s],
        xero_max_concurrency: [one.xeroMaxConcurrency, two.xeroMaxConcurrency],
        peak_rss_mb: { one_worker: one.peakRssMb, two_workers: two.peakRssMb },
        cpu_seconds: { one_worker: one.cpuSeconds, two_workers: two.cpuSeconds },
        statements: { one_worker: one.statements, two_workers: two.statements },
        products_per_worker: two.productsPerWorker,
      })
    )
  }

  /**
   * A day's two floors, in sandbox minutes. Xero's: the slowest organisation's, or the app-wide limit
   * if that binds. This machine's: every invoice at the rate one worker reaches on one organisation
   * (real time runs clockSpeed times slower than the sandbox's).
   */
  private floors(sizes: number[], perSecond: number) {
    const organisationFloor = Math.max(
      ...sizes.map((invoices) => xeroFloorMinutes(invoices, this.latencyMs, XERO_LIMITS).minutes)
    )
    const calls = sizes.reduce((sum, invoices) => sum + Math.ceil(invoices / XERO_BATCH), 0)
    const appFloor = calls / XERO_LIMITS.appPerMinute
    const xeroFloor = Math.max(organisationFloor, appFloor)
    const total = sizes.reduce((sum, invoices) => sum + invoices, 0)
    const machineFloor = (total / perSecond / 60) * this.clockSpeed
    return {
      organisationFloor,
      appFloor,
      xeroFloor,
      machineFloor,
      floor: Math.max(xeroFloor, machineFloor),
    }
  }

  /**
   * Issue 12's fairness where it has something to show: with 100 equal products all due at once every
   * product's fair share is the whole day, so fairness_p95 is at most the run's ratio by construction.
   * Here one worker has one big product and many small ones: `small_products_p95` (over the small ones:
   * time to its last invoice ÷ its own floor, its fair share of the machine when that is above its Xero
   * floor) against the day's `time_to_floor_ratio` shows whether the small ones wait behind the big one
   * (target: at most 1.5 times that ratio).
   *
   * That floor counts only invoices, while each run of a small product costs the worker far more than its
   * ten invoices (its Autotask and Xero round trips, its run's bookkeeping). So the same small products
   * also run on a day of their own first, and `held_behind_big_ratio` (their p95 with the big one ÷
   * without it) says what the big one costs them: 1.0 is a big product that only takes what they leave.
   */
  private async mixedDay(worker: ReturnType<typeof workerScript>, perSecond: number) {
    const smallSizes = Array.from(
      { length: MIXED_DAY.smallProducts },
      () => MIXED_DAY.smallInvoices
    )
    // The same small products (the same Autotask data) on a day of their own first: what the big one adds.
    const alone = await this.day(1, worker, smallSizes, perSecond, 1)
    const sizes = [MIXED_DAY.bigInvoices, ...smallSizes]
    const day = await this.day(1, worker, sizes, perSecond)
    const { floor } = this.floors(sizes, perSecond)
    const [big, ...small] = day.fairness
    const [, ...smallXeroOnly] = day.fairnessXeroOnly
    const [bigMinutes, ...smallMinutes] = day.lastInvoiceMinutes
    this.logger.info(
      `Mixed day: ${round(day.minutes, 2)} sandbox minutes, ${day.synced} synced, ${day.faulted} faulted, ` +
        `${day.duplicates} duplicates, ${day.lost} lost, peak RSS ${round(day.peakRssMb[0], 1)} MB`
    )
    console.log(
      JSON.stringify({
        mixed: true,
        big_product_invoices: MIXED_DAY.bigInvoices,
        small_products: MIXED_DAY.smallProducts,
        small_product_invoices: MIXED_DAY.smallInvoices,
        latency_ms: this.latencyMs,
        clock_speed: this.clockSpeed,
        minutes: round(day.minutes, 3),
        machine_invoices_per_second: round(perSecond, 1),
        floor_minutes: round(floor, 3),
        time_to_floor_ratio: round(day.minutes / floor, 2),
        small_products_p95: round(quantile(small, 0.95), 2),
        small_products_p95_xero_floor: round(quantile(smallXeroOnly, 0.95), 2),
        small_products_p95_minutes: round(quantile(smallMinutes, 0.95), 3),
        small_products_last_minutes: round(Math.max(...smallMinutes), 3),
        small_products_alone_p95_minutes: round(quantile(alone.lastInvoiceMinutes, 0.95), 3),
        held_behind_big_ratio: round(
          quantile(smallMinutes, 0.95) / quantile(alone.lastInvoiceMinutes, 0.95),
          2
        ),
        big_product_ratio: round(big, 2),
        big_product_minutes: round(bigMinutes, 3),
        synced: day.synced,
        faulted: day.faulted,
        duplicates: day.duplicates,
        lost: day.lost,
        finished: day.finished,
        xero_calls: day.xeroCalls,
        xero_429s: day.xero429s,
        peak_rss_mb: day.peakRssMb,
        cpu_seconds: day.cpuSeconds,
        statements: day.statements,
      })
    )
  }

  /**
   * This machine's rate: one worker (`sync:run`, one pass) on one organisation whose Xero answers
   * at once and limits nothing, from its first Autotask request to its result line.
   */
  private async machineRate(worker: ReturnType<typeof workerScript>) {
    const { startAutotaskSandbox } = await import('#sandbox/autotask/index')
    const { startXeroSandbox } = await import('#sandbox/xero/index')
    const invoices = Math.min(this.machineInvoices, this.products * this.invoices)
    this.logger.info(`This machine's floor: ${invoices} invoices, one organisation, no latency`)
    await freshDatabase()
    const unlimited = {
      perMinute: 1_000_000,
      concurrent: 5,
      perDay: 1_000_000,
      appPerMinute: 1_000_000,
    }
    const autotask = await startAutotaskSandbox({
      port: 0,
      invoices,
      companies: this.companies,
      purchaseOrders: 0,
      largeInvoiceLines: 0,
    })
    const xero = await startXeroSandbox({ port: 0, limits: unlimited })
    try {
      const productId = await sandboxProduct(xero, { name: 'Machine Books' })
      const env = {
        ...(await sandboxWorkerEnv(autotask.lookupUrl, xero, 1)),
        XERO_LIMIT_PER_MINUTE: String(unlimited.perMinute),
        XERO_LIMIT_PER_DAY: String(unlimited.perDay),
        ...worker.env,
      }
      const child = await startChild(
        worker.ace('sync:run', `--product=${productId}`),
        env,
        null,
        worker.cwd
      )
      let doneAt = 0
      child.stdout!.on('data', (chunk: Buffer) => {
        if (!doneAt && /run #\d+ (succeeded|failed|cancelled)/.test(chunk.toString()))
          doneAt = Date.now()
      })
      const code = await exited(child)
      if (code !== 0) throw new Error(`sync:run failed (${code}):\n${outputOf(child).slice(-2000)}`)
      const startedAt = autotask.state.requests[0]?.receivedAt ?? Date.now()
      const synced = await this.count(db.from('invoice_records').where('status', 'synced'))
      return { perSecond: synced / Math.max(0.001, ((doneAt || Date.now()) - startedAt) / 1000) }
    } finally {
      await autotask.close()
      await xero.close()
    }
  }

  /**
   * One billing day: fresh database and sandboxes, every product due at once, `workers` worker
   * processes; `sizes` holds each product's invoices.
   */
  private async day(
    workers: number,
    worker: ReturnType<typeof workerScript>,
    sizes: number[],
    perSecond: number,
    /** the first product's Autotask data is seeded as the (seedOffset + 1)th of a day's */
    seedOffset = 0
  ): Promise<DayResult> {
    const { startAutotaskSandbox } = await import('#sandbox/autotask/index')
    const { startXeroSandbox } = await import('#sandbox/xero/index')
    this.logger.info(
      `Billing day with ${workers} worker(s): ${sizes.length} products, ${sizes.reduce((a, b) => a + b, 0)} invoices`
    )
    await freshDatabase()
    const xero = await startXeroSandbox({
      port: 0,
      clockSpeed: this.clockSpeed,
      limits: XERO_LIMITS,
      // The sandbox's clock runs clockSpeed times as fast: a call's real delay is that much shorter.
      latencyMs: this.latencyMs / this.clockSpeed,
    })
    const autotasks: AutotaskSandbox[] = []
    const children: ChildProcess[] = []
    try {
      const products: {
        id: number
        tenantId: string
        autotask: AutotaskSandbox
        invoices: number
      }[] = []
      for (const [index, invoices] of sizes.entries()) {
        const n = index + 1 + seedOffset
        // Each its own Autotask database, seeded differently, and its own Xero organisation.
        const autotask = await startAutotaskSandbox({
          port: 0,
          seed: 20240600 + n,
          invoices,
          companies: this.companies,
          purchaseOrders: 0,
          largeInvoiceLines: 0,
        })
        autotasks.push(autotask)
        const tenant = xero.state.addOrganisation(`Billing Day Books ${n}`)
        const id = await sandboxProduct(xero, {
          name: `Billing Day ${n}`,
          tenant,
          autotaskZoneUrl: autotask.url,
        })
        products.push({ id, tenantId: tenant.tenantId, autotask, invoices })
      }
      const env = {
        ...(await sandboxWorkerEnv(autotasks[0].lookupUrl, xero, this.clockSpeed)),
        ...worker.env,
      }
      const memory: ReturnType<typeof watchMemory>[] = []
      const mysql = mysqlPid()
      const mysqlCpuAtStart = mysql ? cpuMsOf(mysql) : 0
      const statementsAtStart = await statementCounters()
      const ownCpuAtStart = process.cpuUsage()
      // A billing day meets workers that are up: the products fall due once every worker has checked in
      // (SyncWorkers), not while the second is still starting and the first could take them all.
      await db
        .from('products')
        .update({ next_sync_at: toSqlDateTime(DateTime.now().plus({ days: 1 })) })
      for (let n = 0; n < workers; n++) {
        const child = await startChild(worker.ace(...worker.args), env, null, worker.cwd)
        children.push(child)
        memory.push(watchMemory(child.pid!))
      }
      await this.allCheckedIn(workers, children)
      await db.from('products').update({ next_sync_at: null })

      const deadline = Date.now() + this.maxMinutes * 60_000
      let finished = false
      const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null
      while (Date.now() < deadline && children.every(alive)) {
        await sleep(1000)
        if (await this.dayDone(products.length)) {
          finished = true
          break
        }
      }
      const workerCpuMs = children.map((child) => (alive(child) ? cpuMsOf(child.pid!) : Number.NaN))
      const ownCpu = process.cpuUsage(ownCpuAtStart)
      const cpuSeconds = {
        workers: workerCpuMs.map((ms) => round(ms / 1000, 1)),
        mysql: mysql ? round((cpuMsOf(mysql) - mysqlCpuAtStart) / 1000, 1) : null,
        sandboxes: round((ownCpu.user + ownCpu.system) / 1e6, 1),
      }
      const statementsAtEnd = await statementCounters()
      const statements = Object.fromEntries(
        Object.entries(statementsAtEnd).map(([name, n]) => [
          name,
          n - (statementsAtStart[name] ?? 0),
        ])
      )
      for (const child of children) {
        if (!alive(child))
          this.logger.warning(
            `A worker ended (${child.exitCode ?? child.signalCode}) before the day was done:\n${outputOf(child).slice(-2000)}`
          )
        child.kill('SIGTERM')
      }
      await Promise.all(children.map(exited))
      const peakRssMb = memory.map((watch) => watch.stop())

      // From the first Autotask request (the first tick, when every product was due) to each product's last invoice.
      const firstRequest = Math.min(
        ...autotasks.map((autotask) => autotask.state.requests[0]?.receivedAt ?? Date.now())
      )
      const start = xero.state.clock.now() - (Date.now() - firstRequest) * this.clockSpeed
      let end = start
      let duplicates = 0
      let lost = 0
      const fairness: number[] = []
      const fairnessXeroOnly: number[] = []
      const lastInvoiceMinutes: number[] = []
      const { creditNotesOf } = await import('#sandbox/xero/credit_notes')
      for (const product of products) {
        // A negative Autotask invoice is a Xero credit note (on by default): it counts as its document.
        const org = xero.state.organisations.find((entry) => entry.tenantId === product.tenantId)!
        const inXero = [
          ...xero.state
            .invoices(product.tenantId)
            .filter((invoice) => invoice.Type === 'ACCREC')
            .map((invoice) => ({ number: invoice.InvoiceNumber, at: invoice.UpdatedDateUTC })),
          ...creditNotesOf(org)
            .filter((note) => note.Type === 'ACCRECCREDIT')
            .map((note) => ({ number: note.CreditNoteNumber, at: note.UpdatedDateUTC })),
        ]
        const perNumber = new Map<string, number>()
        for (const { number } of inXero) perNumber.set(number, (perNumber.get(number) ?? 0) + 1)
        for (const count of perNumber.values()) duplicates += count - 1
        const last = Math.max(start, ...inXero.map((document) => document.at))
        end = Math.max(end, last)
        const xeroFloor = xeroFloorMinutes(perNumber.size, this.latencyMs, XERO_LIMITS).minutes
        const share = fairShareMinutes(product.invoices, sizes, perSecond, this.clockSpeed)
        const minutes = (last - start) / 60_000
        fairness.push(minutes / Math.max(xeroFloor, share, Number.EPSILON))
        fairnessXeroOnly.push(minutes / Math.max(xeroFloor, Number.EPSILON))
        lastInvoiceMinutes.push((last - start) / 60_000)
        lost += await this.lostOf(product.id, perNumber, product.autotask)
      }
      const statuses = await db
        .from('invoice_records')
        .groupBy('status')
        .select('status')
        .count('* as n')
      const byStatus = Object.fromEntries(statuses.map((row) => [row.status, Number(row.n)]))
      const runsByWorker = await db
        .from('sync_runs')
        .groupBy('worker')
        .select('worker')
        .countDistinct('product_id as n')
      const stats = xero.state.stats()
      this.logger.info(`Xero calls by endpoint: ${JSON.stringify(stats.calls)}`)
      return {
        workers,
        minutes: (end - start) / 60_000,
        fairness,
        fairnessXeroOnly,
        lastInvoiceMinutes,
        synced: byStatus.synced ?? 0,
        faulted: byStatus.fault ?? 0,
        duplicates,
        lost,
        xeroCalls: Object.values(stats.calls as Record<string, number>).reduce((a, b) => a + b, 0),
        xero429s: stats.limitRefusalsTotal,
        xeroMaxConcurrency: stats.maxConcurrencyOverall,
        peakRssMb,
        cpuSeconds,
        statements,
        productsPerWorker: runsByWorker.map((row) => Number(row.n)),
        finished,
      }
    } finally {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await Promise.all(autotasks.map((autotask) => autotask.close()))
      await xero.close()
    }
  }

  /** Waits until `workers` workers have checked in at their scheduler's tick (every 10 s). */
  private async allCheckedIn(workers: number, children: ChildProcess[]) {
    const deadline = Date.now() + 60_000
    while ((await this.count(db.from('sync_workers'))) < workers) {
      if (Date.now() > deadline)
        throw new Error(
          `${workers} workers did not all check in within a minute:\n${children.map((child) => outputOf(child).slice(-1000)).join('\n')}`
        )
      await sleep(200)
    }
  }

  /** Every product has had a run end, and no numbered invoice waits to be pushed. */
  private async dayDone(products: number) {
    const ended = await this.count(
      db.from('sync_runs').whereNot('state', 'running').countDistinct('product_id as n'),
      false
    )
    if (ended < products) return false
    const waiting = await this.count(
      db
        .from('invoice_records')
        .whereIn('status', ['pending', 'processing'])
        .whereNotNull('invoice_number')
    )
    return waiting === 0
  }

  /**
   * Invoices of a product's Autotask database that neither reached Xero once nor faulted or were skipped
   * with a reason a person sees: never discovered, left pending, or marked synced without a Xero document.
   */
  private async lostOf(productId: number, inXero: Map<string, number>, autotask: AutotaskSandbox) {
    const records = await db
      .from('invoice_records')
      .where('product_id', productId)
      .select('autotask_id', 'invoice_number', 'status')
    const byAutotaskId = new Map(records.map((row) => [Number(row.autotask_id), row]))
    let lost = 0
    for (const invoice of autotask.state.tables.Invoices.values()) {
      const record = byAutotaskId.get(Number(invoice.id))
      // Invoices Autotask has not numbered yet wait by design (PRODUCT.md §3.1): they are not pushable.
      if (!invoice.invoiceNumber) continue
      if (!record) lost++
      else if (record.status === 'synced' && !inXero.has(record.invoice_number)) lost++
      else if (!['synced', 'fault', 'skipped'].includes(record.status)) lost++
    }
    return lost
  }

  private async count(query: any, addCount = true) {
    const row = await (addCount ? query.count('* as n') : query).first()
    return Number(row?.n ?? 0)
  }
}
