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
  /** this app's address: the link Xero shows on each invoice we create ("Go to …") points back into it */
  appUrl: env.get('APP_URL', 'http://localhost:3333'),
  /** link into Xero's web app for an invoice id */
  xeroInvoiceUrl: 'https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=',
}

export default syncConfig
