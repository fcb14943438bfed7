import { inject } from '@adonisjs/core'
import emitter from '@adonisjs/core/services/emitter'
import logger from '@adonisjs/core/services/logger'
import { Decimal } from 'decimal.js'
import { hostname } from 'node:os'
import Product from '#models/product'
import Mapping from '#models/mapping'
import SyncRun, { syncedText, type SyncRunStats } from '#models/sync_run'
import type { SyncRunTrigger } from '#enums/sync'
import SyncLogService from '#services/sync_log_service'
import ProductConnections, { xeroConnectionOf } from '#sync/product_connections'
import InvoiceDiscovery from '#sync/invoice_discovery'
import InvoicePush from '#sync/invoice_push'
import PurchaseOrderSync from '#sync/purchase_order_sync'
import LeaseSweeper from '#sync/lease_sweeper'
import OrphanReconciler from '#sync/orphan_reconciler'
import PaymentCheck from '#sync/payment_check'
import InvoiceVoids from '#sync/invoice_voids'
import CreditNotePush from '#sync/credit_note_push'
import { ConnectionLost, isConnectionError } from '#sync/record_outcomes'
import RunStates, { productLock, type EndedState } from '#sync/run_states'
import type { RunContext, RunProgress } from '#sync/run_context'
import type { MappingContext } from '#sync/invoice_mapper'
import { Clock } from '#sync/clock'
import { RunCurrencies } from '#sync/currencies'
import syncConfig from '#config/sync'
import type { XeroGateway } from '#integrations/xero/xero_gateway'
import { XeroTransientError } from '#integrations/xero/errors'
import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import { loadTrackingContext } from '#sync/line_tracking'
import { AutotaskAuthError, AutotaskError } from '#integrations/autotask/errors'
import { XeroRateLimitError } from '#integrations/xero/errors'
import { xeroWaitText } from '#sync/rate_limits'
import { DiscoveryFeed } from '#sync/discovery_feed'
import { allOrFirstError } from '#sync/lanes'

export type RunOutcome =
  { started: true; run: SyncRun } | { started: false; reason: string; run: SyncRun | null }

export type { RunProgress } from '#sync/run_context'

const emptyStats = (): SyncRunStats => ({
  invoicesDiscovered: 0,
  invoicesSynced: 0,
  invoicesFaulted: 0,
  invoicesSkipped: 0,
  purchaseOrdersSynced: 0,
  purchaseOrdersFaulted: 0,
  creditNotesSynced: 0,
})

/** This process's name in leases and runs: host and pid, so a person can tell workers apart. */
export const workerName = () => `${hostname()}:${process.pid}`

/**
 * Mappings and Xero's tax rates, once per run; the organisation's currency is remembered
 * (with `remember: false`, as a preview reads it, only on this product object, not saved).
 */
export function loadMappingContext(
  product: Product,
  xero: XeroGateway,
  autotask: AutotaskClient,
  options: { remember?: boolean } = {}
): Promise<MappingContext> {
  return startMappingContext(product, xero, autotask, options).mapping
}

/**
 * The mapping context as it is being read, and the run's currencies at once: Autotask can be read
 * meanwhile (discovery), and a document Autotask names no currency for waits only for the
 * organisation's base currency, which becomes the product's as soon as Xero says it.
 */
function startMappingContext(
  product: Product,
  xero: XeroGateway,
  autotask: AutotaskClient,
  options: { remember?: boolean } = {}
) {
  const baseCurrency = xero
    .getOrganisation(xeroConnectionOf(product))
    .then(async (organisation) => {
      if (product.effectiveSettings.currency !== organisation.baseCurrency) {
        product.settings = { ...(product.settings ?? {}), currency: organisation.baseCurrency }
        if (options.remember ?? true) await product.save()
      }
    })
  // Awaited with the mapping below; until then a failure must not count as unhandled.
  baseCurrency.catch(() => {})
  const currencies = new RunCurrencies({
    autotask,
    xero,
    connection: () => xeroConnectionOf(product),
    productCurrency: async () => {
      await baseCurrency
      return product.effectiveSettings.currency ?? 'USD'
    },
  })
  const mapping = (async (): Promise<MappingContext> => {
    // Settled together: when one fails, the other's call (and its budget slot) still ends before the run does.
    const [mappings, rates] = await allOrFirstError([
      Mapping.query().where('product_id', product.id),
      xero.getTaxRates(xeroConnectionOf(product)),
      baseCurrency,
    ] as const)
    const of = (kind: string) =>
      new Map(mappings.filter((m) => m.kind === kind).map((m) => [m.autotaskValue, m.xeroValue]))
    return {
      taxTypes: of('tax_region'),
      accounts: of('billing_code'),
      items: of('billing_code_item'),
      tracking: await loadTrackingContext(mappings, autotask),
      brandingThemes: of('invoice_template'),
      taxRates: new Map(
        rates
          .filter((rate) => rate.status === 'ACTIVE')
          .map((rate) => [rate.taxType, new Decimal(rate.rate)])
      ),
      settings: product.effectiveSettings,
      currencies,
    }
  })()
  return { currencies, mapping }
}

/**
 * One pass of the engine over one product: discovery, then push, as a sync_runs
 * row with a state. A product runs in one worker at a time (a database lock,
 * shared by every machine); asking while it runs returns the active run.
 * Pausing stops it at the next batch boundary.
 */
@inject()
export default class SyncRunner {
  constructor(
    protected connections: ProductConnections,
    protected discovery: InvoiceDiscovery,
    protected push: InvoicePush,
    protected purchaseOrders: PurchaseOrderSync,
    protected sweeper: LeaseSweeper,
    protected logs: SyncLogService,
    protected clock: Clock,
    protected orphans: OrphanReconciler,
    protected states: RunStates,
    protected payments: PaymentCheck,
    protected voids: InvoiceVoids,
    protected creditNotes: CreditNotePush
  ) {}

  async run(
    product: Product,
    trigger: SyncRunTrigger,
    triggeredBy: string | null,
    onProgress: (progress: RunProgress) => void = () => {}
  ): Promise<RunOutcome> {
    const lock = productLock(product.id)
    if (!(await lock.acquireImmediately())) {
      const active = await SyncRun.query()
        .where('product_id', product.id)
        .where('state', 'running')
        .orderBy('id', 'desc')
        .first()
      return { started: false, reason: 'A sync of this product is already running.', run: active }
    }
    try {
      const keepLock = () => lock.extend(`${syncConfig.runLockSeconds}s`)
      return {
        started: true,
        run: await this.runLocked(product, trigger, triggeredBy, onProgress, keepLock),
      }
    } finally {
      await lock.forceRelease()
    }
  }

  /** Under the product's lock: start the run, go through its phases, end it in one guarded move. */
  private async runLocked(
    product: Product,
    trigger: SyncRunTrigger,
    triggeredBy: string | null,
    onProgress: (progress: RunProgress) => void,
    keepLock: () => Promise<void>
  ) {
    await this.states.closeAbandoned(product.id)
    const requestedAt = product.syncRequestedAt
    const run = await this.start(product, trigger, triggeredBy)
    const stats = run.stats ?? emptyStats()

    let state: EndedState = 'succeeded'
    let error: string | null = null
    try {
      const connections = this.connections.for(product)
      if (!connections.ok) throw new ConnectionLost(connections.reason)
      const context: Omit<RunContext, 'mapping'> = {
        product,
        run,
        autotask: connections.autotask,
        xero: connections.xero,
        contacts: new Map(),
        worker: workerName(),
        stats,
        progress: (phase) => onProgress({ phase, stats }),
        shouldStop: async () => {
          await keepLock()
          return this.shouldStop(product, run, stats)
        },
      }
      await this.phases(context)
      await product.refresh()
      if (product.status === 'paused') state = 'cancelled'
    } catch (failure) {
      if (failure instanceof XeroRateLimitError) {
        // A Xero limit too long to wait out here (the daily one) is no failure: the run ends waiting.
        state = 'waiting'
        await this.waitForXero(product, run, failure)
      } else {
        state = 'failed'
        error = (failure as Error)?.message ?? String(failure)
        await this.failed(product, run, failure, error)
      }
    }

    if (!(await this.states.move(run, state, { error, stats }))) {
      // Closed meanwhile by another process (our heartbeat stopped long enough to look dead).
      logger.warn(
        { runId: run.id, productId: product.id },
        'sync run was closed by another process'
      )
    }
    await this.scheduleNext(product, requestedAt, state === 'waiting')
    await this.logs.write({
      productId: product.id,
      syncRunId: run.id,
      event: 'run.finished',
      message: `Sync run #${run.id} ${state}: ${stats.invoicesDiscovered} found, ${syncedText(stats)}, ${stats.invoicesFaulted} faulted, ${stats.invoicesSkipped} skipped; purchase orders ${stats.purchaseOrdersSynced} synced, ${stats.purchaseOrdersFaulted} faulted`,
      actor: 'engine',
    })
    onProgress({ phase: 'done', stats })
    await emitter.emit('sync_run:finished', { runId: run.id, productId: product.id, state, stats })
    return run
  }

  private async start(product: Product, trigger: SyncRunTrigger, triggeredBy: string | null) {
    const run = await SyncRun.create({
      productId: product.id,
      trigger,
      triggeredBy,
      state: 'running',
      worker: workerName(),
      startedAt: this.clock.now(),
      heartbeatAt: this.clock.now(),
      stats: emptyStats(),
    })
    await this.logs.write({
      productId: product.id,
      syncRunId: run.id,
      event: 'run.started',
      message: `Sync run #${run.id} started (${trigger}${triggeredBy ? ` by ${triggeredBy}` : ''})`,
      actor: 'engine',
    })
    return run
  }

  /**
   * The run's phases: invoice discovery, with the push beside it from its first stored page (Xero's
   * budget would otherwise sit idle while Autotask is read), then purchase orders, voids, payments.
   * While discovery reads Autotask, Xero's tax rates and organisation are read for the mapping, and
   * Xero is read for stray copies since the last run (the orphan pass).
   */
  private async phases(base: Omit<RunContext, 'mapping'>) {
    const { product, stats } = base
    await this.sweeper.sweep()

    base.progress('discovery')
    await this.heartbeat(base.run, stats)
    const loading = startMappingContext(product, base.xero, base.autotask)
    const feed = new DiscoveryFeed(base.contacts)
    const downloaded = new Set<number>()
    const discovering = this.discovery
      .run(product, base.run, base.autotask, loading.currencies, { feed, downloaded })
      .then(
        (found) => {
          feed.stored()
          return found
        },
        (failure) => {
          feed.end(true)
          throw failure
        }
      )
    // Settled together: a failure of either waits for the other's calls to end before the run does.
    // When both fail, the push's is said (Xero's mapping read, as before the push ran beside discovery).
    const [pushed, found] = await allOrFirstError([
      this.pushBesideDiscovery(base, loading.mapping, feed, discovering, downloaded),
      discovering,
    ] as const)
    stats.invoicesDiscovered = found.found
    stats.invoicesSkipped = found.skipped + pushed.skipped
    stats.invoicesSynced = pushed.synced
    stats.invoicesFaulted = pushed.faulted
    await this.markHealthy(product, 'autotask')

    const context: RunContext = { ...base, mapping: await loading.mapping }
    const account = await product.related('account').query().firstOrFail()
    if (account.features.purchaseOrders && (await this.purchaseOrders.due(product))) {
      await this.purchaseOrders.discover(context)
      const orders = await this.purchaseOrders.push(context, syncConfig.xeroInFlight)
      stats.purchaseOrdersSynced = orders.synced
      stats.purchaseOrdersFaulted = orders.faulted
    }
    await this.voids.runInSync(await Product.findOrFail(product.id), context.xero, context.run.id)
    await this.payments.runInSync(
      await Product.findOrFail(product.id),
      context.autotask,
      context.xero,
      context.run.id
    )
    await this.markHealthy(product, 'xero')
  }

  /**
   * The push of credit notes and invoices, from discovery's first stored page on, its lanes waiting for
   * later pages while discovery goes on (see DiscoveryFeed). It starts once the mapping is read and the
   * orphan pass has read Xero: that pass would take this run's new documents, not linked yet, for strays.
   * A discovery that fails stops the push at its next batch.
   */
  private async pushBesideDiscovery(
    base: Omit<RunContext, 'mapping'>,
    mapping: Promise<MappingContext>,
    feed: DiscoveryFeed,
    discovering: Promise<unknown>,
    downloaded: ReadonlySet<number>
  ) {
    try {
      const [loaded] = await allOrFirstError([
        mapping,
        this.reconcileOrphans(base.product, base.run.id, base.xero),
        feed.beyond(0),
      ] as const)
      if (feed.failed) return { synced: 0, faulted: 0, skipped: 0 }
      const context: RunContext = {
        ...base,
        mapping: loaded,
        feed,
        shouldStop: async () => feed.failed || (await base.shouldStop()),
      }
      context.progress('push')
      // Every company of the credit notes and invoices stored so far gets its Xero contact before the
      // first batch, in one pass; those of later pages in one more pass once discovery is over, which
      // ends the feed (the push takes their invoices then).
      await this.push.resolveContactsAhead(context)
      const lastContacts = discovering
        .then(() => this.push.resolveContactsAhead(context))
        .then(
          () => feed.end(),
          (failure) => {
            feed.end(true)
            throw failure
          }
        )
      // Negative invoices as Xero credit notes (when the product turns them on) beside the invoices;
      // up to xeroInFlight invoice batches at once: the organisation's shared budget (XeroBudget) paces them.
      const [credited, pushed] = await allOrFirstError([
        this.creditNotes.runInSync(context, downloaded).then((credits) => {
          context.stats.creditNotesSynced = credits.synced
          return credits
        }),
        // Its lanes ended (stopped, failed, or the feed is over): discovery no longer waits for them.
        this.push.run(context, downloaded, syncConfig.xeroInFlight).finally(() => feed.unhold()),
        lastContacts,
      ] as const)
      return {
        synced: pushed.synced + credited.synced,
        faulted: pushed.faulted + credited.faulted,
        skipped: pushed.skipped + credited.skipped,
      }
    } finally {
      // A push that failed before its lanes started (Xero's mapping read) holds discovery no longer.
      feed.unhold()
    }
  }

  private async failed(product: Product, run: SyncRun, failure: unknown, error: string) {
    if (failure instanceof AutotaskAuthError) await this.markUnhealthy(product, 'autotask', error)
    if (!isExpectedFailure(failure))
      logger.error({ err: failure, productId: product.id }, 'sync run failed')
    await this.logs.write({
      productId: product.id,
      syncRunId: run.id,
      level: 'error',
      event: 'run.failed',
      message: `Sync run #${run.id} stopped: ${error}`,
      actor: 'engine',
    })
  }

  /** Until when the product waits for Xero: stored on it, so every face (card, Slack, Sync Logs) says so. */
  private async waitForXero(product: Product, run: SyncRun, limit: XeroRateLimitError) {
    await product.refresh()
    product.merge({
      xeroWaitingUntil: this.clock.now().plus({ seconds: limit.retryAfterSeconds }),
      xeroWaitingFor: limit.problem,
    })
    await product.save()
    await this.logs.write({
      productId: product.id,
      syncRunId: run.id,
      level: 'warn',
      event: 'run.waiting',
      message: `${xeroWaitText(product, this.clock.now()) ?? 'Waiting for Xero'}: sync run #${run.id} stops here and resumes then; nothing is faulted for it`,
      actor: 'engine',
    })
  }

  /**
   * The product's next run by its plan's interval, or when Xero's window ends if it waits for one
   * (a run that did not wait clears the wait); a request made while this run went keeps its flag.
   */
  private async scheduleNext(
    product: Product,
    requestedAt: Product['syncRequestedAt'],
    waiting: boolean
  ) {
    const now = this.clock.now()
    await product.refresh()
    const plan = (await product.related('account').query().firstOrFail()).features
    product.lastSyncedAt = now
    product.nextSyncAt = now.plus({ minutes: plan.syncIntervalMinutes })
    if (!waiting) product.merge({ xeroWaitingUntil: null, xeroWaitingFor: null })
    else if (product.xeroWaitingUntil && product.xeroWaitingUntil > product.nextSyncAt)
      product.nextSyncAt = product.xeroWaitingUntil
    if (product.syncRequestedAt && (!requestedAt || product.syncRequestedAt <= requestedAt))
      product.syncRequestedAt = null
    await product.save()
  }

  /** Copies a late write left in Xero are removed after the push; a failure is logged and left for the next run. */
  private async reconcileOrphans(product: Product, syncRunId: number, xero: XeroGateway) {
    try {
      await this.orphans.run(await Product.findOrFail(product.id), xero, { syncRunId })
    } catch (failure) {
      if (failure instanceof XeroRateLimitError) throw failure
      await this.logs.write({
        productId: product.id,
        syncRunId,
        level: 'warn',
        event: 'run.orphans_unchecked',
        message: `Xero was not checked for stray copies of invoices this time (the next run will): ${
          (failure as Error)?.message ?? failure
        }`,
        actor: 'engine',
      })
    }
  }

  /** Between batches: keep the run alive, and stop if the product was paused meanwhile. */
  private async shouldStop(product: Product, run: SyncRun, stats: SyncRunStats) {
    await this.heartbeat(run, stats)
    const current = await Product.find(product.id)
    return !current || current.status === 'paused'
  }

  private async heartbeat(run: SyncRun, stats: SyncRunStats) {
    run.merge({ heartbeatAt: this.clock.now(), stats: { ...stats } })
    await run.save()
  }

  private async markUnhealthy(product: Product, system: 'autotask' | 'xero', message: string) {
    await product.refresh()
    if (system === 'autotask')
      product.merge({ autotaskHealth: 'error', autotaskHealthMessage: message.slice(0, 500) })
    else product.merge({ xeroHealth: 'error', xeroHealthMessage: message.slice(0, 500) })
    await product.save()
  }

  private async markHealthy(product: Product, system: 'autotask' | 'xero') {
    const column = system === 'autotask' ? 'autotaskHealth' : 'xeroHealth'
    const message = system === 'autotask' ? 'autotaskHealthMessage' : 'xeroHealthMessage'
    await product.refresh()
    if (product[column] !== 'ok') {
      product[column] = 'ok'
      product[message] = null
      await product.save()
    }
  }
}

/**
 * A run stopped by news a person can act on (a connection to reconnect, Autotask or Xero out of
 * reach) is said in the run's log line; only the unexpected gets a stack trace in the server log.
 */
function isExpectedFailure(failure: unknown) {
  return (
    isConnectionError(failure) ||
    failure instanceof AutotaskError ||
    (failure instanceof XeroTransientError && failure.reason === 'network')
  )
}
