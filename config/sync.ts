import env from '#start/env'

/**
 * The sync engine's knobs. Plans (config/plans.ts) set how often a product
 * polls Autotask; these set how the engine works through what it finds.
 */
const syncConfig = {
  /** invoices per Xero request (Xero's practical ceiling is 50) */
  batchSize: 50,
  /** how long a worker's claim on a batch lasts before another worker may take it back */
  leaseSeconds: env.get('SYNC_LEASE_SECONDS', 300),
  /** how long a product's run lock lasts without a heartbeat (a killed worker's lock frees itself) */
  runLockSeconds: env.get('SYNC_RUN_LOCK_SECONDS', 180),
  /** longest in-process wait for a Xero Retry-After before the batch is left for a later tick */
  maxInlineWaitSeconds: 60,
  /**
   * Xero calls a process keeps in flight at once to one organisation, over all of a run's lanes
   * (invoice and credit-note batches, contact passes; XeroNodeGateway holds it): Xero allows an
   * organisation 5 at once, so never above 5; the default 4 leaves one for a person's action
   * (a resync, View originals) made meanwhile.
   */
  xeroInFlight: Math.min(5, Math.max(1, env.get('SYNC_XERO_IN_FLIGHT', 4))),
  /**
   * Products one worker process runs at once (each under its own product lock): on a billing day every
   * organisation due makes progress. Its memory is bounded by batchesInFlight, not by this: `npm run
   * bench:scale` (100 products × 200 invoices, one worker) took 4.6 sandbox minutes with 25 at once and
   * 3.1–3.5 with 100, at the same peak memory.
   */
  productsAtOnce: Math.max(1, env.get('SYNC_PRODUCTS_AT_ONCE', 100)),
  /**
   * Batches one worker process holds at once, over all its products (each claimed, mapped, sent and
   * answered in memory): what a product in flight costs is mostly its batches, so this bounds a worker's
   * memory however many products it runs. A product waits for a free one before it claims records.
   */
  batchesInFlight: Math.max(1, env.get('SYNC_BATCHES_IN_FLIGHT', 32)),
  /**
   * Invoices a run's discovery stores ahead of its push before it reads on (DiscoveryFeed.room): Xero
   * takes an organisation's invoices at 50 a call and 60 calls a minute at most, so storing 10,000 at
   * once only spends the worker on them while other products' runs wait for it. 1,000 is 20 batches,
   * 20 s of the push at Xero's fastest. `npm run bench:scale -- --mixed`: see the README.
   */
  discoveryAhead: Math.max(1, env.get('SYNC_DISCOVERY_AHEAD', 1000)),
  /**
   * Xero's limits per organisation, which the shared budget (XeroBudget) keeps every process
   * within: "60 calls per minute", "5 calls in progress at one time", "5000 calls per day"
   * (https://developer.xero.com/documentation/guides/oauth2/limits/).
   */
  xeroLimits: {
    /** (overridable for a sandbox set to other limits, as the tests' are) */
    perMinute: env.get('XERO_LIMIT_PER_MINUTE', 60),
    concurrent: env.get('XERO_LIMIT_CONCURRENT', 5),
    perDay: env.get('XERO_LIMIT_PER_DAY', 5000),
    /**
     * Across every organisation of this app: "App Minute Limit: 10,000 calls per minute"
     * (https://developer.xero.com/faq/limits); kept by every process through the same table.
     */
    appPerMinute: env.get('XERO_LIMIT_APP_PER_MINUTE', 10_000),
    /**
     * Sandbox seconds per real second, for benchmarks against a sandbox whose clock runs fast:
     * the budget's minute and day are that much shorter. 1 (real time) everywhere else.
     */
    clockSpeed: env.get('XERO_LIMITS_CLOCK_SPEED', 1),
    /**
     * Real ms a call stays in the budget's minute past its own minute: Xero counts it from when it
     * arrives, the budget from when it left, and what lies between (the network, a busy machine) must
     * be covered, or Xero refuses the next call with a 429. Unset: XeroBudget's ARRIVAL_MARGIN_MS (250).
     */
    arrivalMarginMs: env.get('XERO_ARRIVAL_MARGIN_MS'),
  },
  /** this app's address: the link Xero shows on each invoice we create ("Go to …") points back into it */
  appUrl: env.get('APP_URL', 'http://localhost:3333'),
  /** link into Xero's web app for an invoice id */
  xeroInvoiceUrl: 'https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=',
}

export default syncConfig
