import env from '#start/env'
import type { HttpAutotaskClientOptions } from '#integrations/autotask/http_autotask_client'
import type { AutotaskBudgetLimits } from '#integrations/autotask/autotask_budget'

/**
 * The Autotask REST client. Autotask allows 10,000 requests an hour per database,
 * 3 threads per integration code and entity, ≤ 500 records a page; the client stays
 * inside those limits and spreads its calls once half the hourly budget is used.
 */
const threadsPerEntity = env.get('AUTOTASK_LIMIT_THREADS', 3)

const autotaskConfig: HttpAutotaskClientOptions & {
  sandbox: { host: string; port: number }
  limits: Omit<AutotaskBudgetLimits, 'slotMs'>
} = {
  zoneLookupUrl: env.get('AUTOTASK_ZONE_LOOKUP_URL', 'https://webservices.autotask.net'),
  timeoutMs: env.get('AUTOTASK_TIMEOUT_MS', 30_000),
  concurrencyPerEntity: threadsPerEntity,
  /**
   * Kept by every process that reaches one database, through the database (AutotaskBudget): 3 threads
   * per integration code and entity (ThreadLimiting.htm), 10,000 requests an hour per database
   * (REST_Thresholds_Limits.htm). Overridable for a sandbox set to other limits, as the tests' are.
   */
  limits: {
    perHour: env.get('AUTOTASK_LIMIT_PER_HOUR', 10_000),
    threadsPerEntity,
    maxInlineWaitMs: 60_000,
  },
  pageSize: 500,
  inFilterChunkSize: 500,
  thresholdCheck: { everyCalls: 100, everyMs: 60_000 },
  slowDown: { fromUsage: 0.5, maxSpacingMs: 10_000 },

  /* `node ace sandbox:serve` and the demo start the Autotask sandbox here. */
  sandbox: {
    host: env.get('SANDBOX_HOST', '127.0.0.1'),
    port: env.get('SANDBOX_AUTOTASK_PORT', 3410),
  },
}

export default autotaskConfig
