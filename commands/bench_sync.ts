import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { writeFile } from 'node:fs/promises'
import db from '@adonisjs/lucid/services/db'
import {
  XERO_BATCH,
  exited,
  freshDatabase,
  outputOf,
  round,
  sandboxProduct,
  sandboxWorkerEnv,
  startChild,
  watchMemory,
  workerScript,
  xeroFloorMinutes,
} from '#bench/support'

/**
 * PRODUCT.md §8 "Speed", the sync half: 10,000 Autotask invoices pushed to a Xero
 * sandbox that enforces Xero's real limits on a sped-up clock, by the real worker
 * (`node ace sync:run` in a child process, passes repeated as the scheduler would
 * until nothing is pending), on a fresh MySQL database. Prints one line of JSON last.
 */
export default class BenchSync extends BaseCommand {
  static commandName = 'bench:sync'
  static description =
    'Benchmark the sync engine: calls per invoice, time against Xero’s rate-limit floor, worker RSS'
  static options: CommandOptions = { startApp: true }

  @flags.number({ description: 'Invoices seeded in the Autotask sandbox', default: 10_000 })
  declare invoices: number

  @flags.number({ description: 'Companies they are spread over', default: 300 })
  declare companies: number

  @flags.number({ description: 'Xero sandbox seconds per real second', default: 4 })
  declare clockSpeed: number

  @flags.number({
    description:
      'Sandbox milliseconds each Xero call takes (Xero answers a 50-invoice PUT in seconds)',
    default: 2000,
  })
  declare latencyMs: number

  @flags.boolean({
    description: 'Run the worker from the TypeScript sources instead of a build',
    default: false,
  })
  declare source: boolean

  @flags.boolean({
    description: "Run the worker with V8's defaults instead of the node flags of `npm run worker`",
    default: false,
  })
  declare defaultHeap: boolean

  @flags.number({ description: 'Most worker passes before giving up', default: 30 })
  declare maxPasses: number

  @flags.string({
    description: 'Write every Xero and Autotask call (real start and end, ms) to this JSON file',
  })
  declare timeline?: string

  async run() {
    // The sandboxes need development packages: loaded here so a production build can still list commands.
    const { startAutotaskSandbox } = await import('#sandbox/autotask/index')
    const { startXeroSandbox } = await import('#sandbox/xero/index')
    if (!this.source)
      this.logger.info(
        'Building the app (node ace build): the worker runs compiled, as in production'
      )
    // The worker runs with the node flags production gives it (`npm run worker`: the heap ceiling).
    const worker = workerScript({ source: this.source, defaultHeap: this.defaultHeap })
    this.logger.info('Fresh database and sandboxes')
    await freshDatabase()
    const autotask = await startAutotaskSandbox({
      port: 0,
      invoices: this.invoices,
      companies: this.companies,
      largeInvoiceLines: 0,
    })
    const xero = await startXeroSandbox({
      port: 0,
      clockSpeed: this.clockSpeed,
      limits: { perMinute: 60, concurrent: 5, perDay: 5000 },
      // The sandbox's clock runs clockSpeed times as fast: a call's real delay is that much shorter.
      latencyMs: this.latencyMs / this.clockSpeed,
    })
    try {
      const productId = await sandboxProduct(xero, { name: 'Bench Books' })
      const workerEnv = await sandboxWorkerEnv(autotask.lookupUrl, xero, this.clockSpeed)

      // The clocks run from the worker's first Autotask request to its result line: boot and exit are reported apart.
      let engineMs = 0
      let bootMs = 0
      let lingerMs = 0
      const clockAt = (realMs: number) =>
        xero.state.clock.now() - (Date.now() - realMs) * this.clockSpeed
      let firstClock: number | null = null
      let lastClock = 0
      let peakRssMb = 0
      let passes = 0
      for (; passes < this.maxPasses;) {
        passes++
        const spawnedAt = Date.now()
        const requestsBefore = autotask.state.requests.length
        const child = await startChild(
          worker.ace('sync:run', `--product=${productId}`),
          { ...workerEnv, ...worker.env },
          null,
          worker.cwd
        )
        const memory = watchMemory(child.pid!)
        let doneAt = 0
        child.stdout!.on('data', (chunk: Buffer) => {
          if (!doneAt && /run #\d+ (succeeded|failed|cancelled)/.test(chunk.toString()))
            doneAt = Date.now()
        })
        const code = await exited(child)
        const exitAt = Date.now()
        doneAt ||= exitAt
        const firstRequestAt = autotask.state.requests[requestsBefore]?.receivedAt ?? spawnedAt
        bootMs += firstRequestAt - spawnedAt
        engineMs += doneAt - firstRequestAt
        lingerMs += exitAt - doneAt
        firstClock ??= clockAt(firstRequestAt)
        lastClock = clockAt(doneAt)
        peakRssMb = Math.max(peakRssMb, memory.stop())
        const pending = await this.pending(productId)
        this.logger.info(
          `Pass ${passes}: exit ${code}, ${pending.count} still pending, worker peak ${round(memory.peakMb, 1)} MB`
        )
        if (code !== 0) this.logger.warning(outputOf(child).slice(-2000))
        if (pending.count === 0) break
        // The scheduler picks the product up again once its earliest retry is due.
        const wait = pending.nextAt ? Math.max(0, pending.nextAt.getTime() - Date.now()) : 0
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 120_000) + 100))
      }
      const clockMinutes = (lastClock - (firstClock ?? lastClock)) / 60_000

      const xeroCalls = xero.state.stats().calls as Record<string, number>
      const autotaskStats = autotask.state.stats()
      const statuses = Object.fromEntries(
        (
          await db
            .from('invoice_records')
            .where('product_id', productId)
            .groupBy('status')
            .select('status')
            .count('* as n')
        ).map((row) => [row.status, Number(row.n)])
      ) as Record<string, number>
      const faults = await db
        .from('invoice_records')
        .where('product_id', productId)
        .where('status', 'fault')
        .groupBy('fault_reason')
        .select('fault_reason')
        .count('* as n')

      // Invoices Autotask has not numbered yet wait in pending by design (PRODUCT.md §3.1): they are not pushable.
      const heldBack = Number(
        (
          await db
            .from('invoice_records')
            .where('product_id', productId)
            .where('status', 'pending')
            .whereNull('invoice_number')
            .count('* as n')
            .first()
        )?.n ?? 0
      )
      const total = Object.values(xeroCalls).reduce((sum, n) => sum + n, 0)
      const contactCalls = Object.entries(xeroCalls)
        .filter(([key]) => /\/Contacts/i.test(key))
        .reduce((sum, [, n]) => sum + n, 0)
      const synced = statuses.synced ?? 0
      const pushable = synced + (statuses.fault ?? 0)
      // Xero's floor: the larger of 60 calls a minute and 5 calls at once, each taking the latency.
      const { calls: floorCalls, minutes: floorMinutes } = xeroFloorMinutes(
        this.invoices,
        this.latencyMs
      )
      const autotaskCalls = autotaskStats.requests.total + autotaskStats.zoneLookups

      if (this.timeline) await this.writeTimeline(this.timeline, xero.state, autotask.state)
      this.logger.log('')
      this.logger.log(`Xero calls by endpoint: ${JSON.stringify(xeroCalls)}`)
      this.logger.log(
        `Autotask requests by entity: ${JSON.stringify(autotaskStats.requests.byEntity)} (+${autotaskStats.zoneLookups} zone look-ups)`
      )
      this.logger.log(`Records by status: ${JSON.stringify(statuses)}`)
      for (const fault of faults) this.logger.log(`  fault ×${fault.n}: ${fault.fault_reason}`)
      this.logger.log(
        `Time: engine ${round(engineMs / 1000, 1)} s real (plus boot ${round(bootMs / 1000, 1)} s, exit ${round(lingerMs / 1000, 1)} s); ` +
          `first request to last result ${round(clockMinutes, 2)} sandbox minutes at ×${this.clockSpeed}; ` +
          `floor ⌈${this.invoices}/${XERO_BATCH}⌉ = ${floorCalls} calls at 60/min and 5 at once of ${this.latencyMs} ms = ${round(floorMinutes, 2)} sandbox minutes`
      )
      this.logger.log('')
      console.log(
        JSON.stringify({
          invoices: this.invoices,
          companies: this.companies,
          synced,
          faulted: statuses.fault ?? 0,
          skipped: statuses.skipped ?? 0,
          held_back: heldBack,
          still_pending: (statuses.pending ?? 0) + (statuses.processing ?? 0) - heldBack,
          passes,
          xero_calls: total,
          xero_contact_calls: contactCalls,
          xero_calls_per_invoice: round(total / Math.max(1, pushable), 4),
          xero_calls_per_invoice_after_contacts: round(
            (total - contactCalls) / Math.max(1, pushable),
            4
          ),
          xero_max_concurrency: xero.state.stats().maxConcurrencyOverall,
          xero_429s: xero.state.stats().limitRefusalsTotal,
          latency_ms: this.latencyMs,
          autotask_calls: autotaskCalls,
          autotask_calls_per_invoice: round(autotaskCalls / this.invoices, 4),
          clock_speed: this.clockSpeed,
          worker_node_args: worker.nodeArgs.join(' ') || null,
          engine_seconds: round(engineMs / 1000, 1),
          worker_boot_seconds: round(bootMs / 1000, 1),
          worker_exit_seconds: round(lingerMs / 1000, 1),
          sandbox_minutes: round(clockMinutes, 2),
          floor_sandbox_minutes: round(floorMinutes, 2),
          time_to_floor_ratio: round(clockMinutes / floorMinutes, 2),
          peak_rss_mb: round(peakRssMb, 1),
        })
      )
    } finally {
      await autotask.close()
      await xero.close()
    }
  }

  /** Every call the sandboxes saw, in the order they arrived (real ms): to see where a run's time goes. */
  private async writeTimeline(
    file: string,
    xero: {
      requestLog: { at: number; durationMs: number; method: string; path: string; status: number }[]
    },
    autotask: {
      requests: {
        receivedAt: number
        method: string
        entity: string | null
        status: number | null
      }[]
    }
  ) {
    const calls = [
      ...xero.requestLog.map((r) => ({
        api: 'xero',
        start: r.at,
        end: r.at + r.durationMs,
        call: `${r.method} ${r.path}`,
        status: r.status,
      })),
      ...autotask.requests.map((r) => ({
        api: 'autotask',
        start: r.receivedAt,
        end: null,
        call: `${r.method} ${r.entity}`,
        status: r.status,
      })),
    ].sort((a, b) => a.start - b.start)
    await writeFile(file, JSON.stringify(calls))
    this.logger.info(`Timeline of ${calls.length} calls written to ${file}`)
  }

  /** How many invoices wait to be pushed, and when the earliest retry is due. */
  private async pending(productId: number) {
    const row = await db
      .from('invoice_records')
      .where('product_id', productId)
      .whereIn('status', ['pending', 'processing'])
      .whereNotNull('invoice_number')
      .count('* as n')
      .min('next_attempt_at as next')
      .first()
    return { count: Number(row?.n ?? 0), nextAt: row?.next ? new Date(row.next) : null }
  }
}
