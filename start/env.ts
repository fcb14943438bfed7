/*
| Environment variables, validated at boot. Every variable is listed in README.md.
*/
import { Env } from '@adonisjs/core/env'

export default await Env.create(new URL('../', import.meta.url), {
  NODE_ENV: Env.schema.enum(['development', 'production', 'test'] as const),
  PORT: Env.schema.number.optional(),
  HOST: Env.schema.string.optional({ format: 'host' }),
  APP_KEY: Env.schema.string(),
  APP_URL: Env.schema.string.optional(),
  LOG_LEVEL: Env.schema.string.optional(),

  // `cookie` is read as `database`: a cookie store could not end a session, and older .env files still boot.
  SESSION_DRIVER: Env.schema.enum.optional(['database', 'memory', 'cookie'] as const),
  SESSION_IDLE_TIMEOUT: Env.schema.string.optional(),
  SESSION_ABSOLUTE_TIMEOUT: Env.schema.string.optional(),

  DB_CONNECTION: Env.schema.enum.optional(['sqlite', 'mysql'] as const),
  SQLITE_PATH: Env.schema.string.optional(),
  MYSQL_HOST: Env.schema.string.optional({ format: 'host' }),
  MYSQL_PORT: Env.schema.number.optional(),
  MYSQL_USER: Env.schema.string.optional(),
  MYSQL_PASSWORD: Env.schema.string.optional(),
  MYSQL_DB_NAME: Env.schema.string.optional(),

  LIMITER_STORE: Env.schema.enum.optional(['database', 'memory'] as const),
  LOCK_STORE: Env.schema.enum.optional(['database', 'memory'] as const),
  LOGIN_ATTEMPTS_PER_MINUTE: Env.schema.number.optional(),

  /*
  | External services. Every base URL is configurable so the production clients
  | reach the sandboxes (PRODUCT.md §7) exactly as they reach the real services.
  */
  AUTOTASK_ZONE_LOOKUP_URL: Env.schema.string.optional(),
  AUTOTASK_TIMEOUT_MS: Env.schema.number.optional(),
  XERO_API_URL: Env.schema.string.optional(),
  XERO_AUTHORIZE_URL: Env.schema.string.optional(),
  XERO_TOKEN_URL: Env.schema.string.optional(),
  XERO_CONNECTIONS_URL: Env.schema.string.optional(),
  XERO_CLIENT_ID: Env.schema.string.optional(),
  XERO_CLIENT_SECRET: Env.schema.string.optional(),
  XERO_REDIRECT_URI: Env.schema.string.optional(),
  XERO_TIMEOUT_MS: Env.schema.number.optional(),
  /** `legacy` only for Xero apps created before 2 March 2026 that keep the broad scopes (config/xero.ts). */
  XERO_SCOPE_SET: Env.schema.enum.optional(['granular', 'legacy'] as const),
  SLACK_API_URL: Env.schema.string.optional(),
  SLACK_APP_TOKEN: Env.schema.string.optional(),
  AUDIT_RETENTION_DAYS: Env.schema.number.optional(),
  SLACK_TIMEOUT_MS: Env.schema.number.optional(),
  SLACK_ALERT_DEBOUNCE_SECONDS: Env.schema.number.optional(),
  SLACK_ALERTS_PER_MINUTE: Env.schema.number.optional(),
  SLACK_ALERT_DROP_AFTER_MINUTES: Env.schema.number.optional(),

  /* The sync engine (config/sync.ts) */
  SYNC_LEASE_SECONDS: Env.schema.number.optional(),
  SYNC_XERO_IN_FLIGHT: Env.schema.number.optional(),
  SYNC_PRODUCTS_AT_ONCE: Env.schema.number.optional(),
  SYNC_BATCHES_IN_FLIGHT: Env.schema.number.optional(),
  SYNC_DISCOVERY_AHEAD: Env.schema.number.optional(),
  XERO_LIMITS_CLOCK_SPEED: Env.schema.number.optional(),
  XERO_LIMIT_PER_MINUTE: Env.schema.number.optional(),
  XERO_LIMIT_CONCURRENT: Env.schema.number.optional(),
  XERO_LIMIT_PER_DAY: Env.schema.number.optional(),
  XERO_LIMIT_APP_PER_MINUTE: Env.schema.number.optional(),
  XERO_ARRIVAL_MARGIN_MS: Env.schema.number.optional(),
  AUTOTASK_LIMIT_PER_HOUR: Env.schema.number.optional(),
  AUTOTASK_LIMIT_THREADS: Env.schema.number.optional(),
  SYNC_RUN_LOCK_SECONDS: Env.schema.number.optional(),

  /* The sandboxes (`node ace sandbox:serve`, `npm run demo`). */
  SANDBOX_HOST: Env.schema.string.optional({ format: 'host' }),
  SANDBOX_AUTOTASK_PORT: Env.schema.number.optional(),
  SANDBOX_XERO_PORT: Env.schema.number.optional(),
  SANDBOX_SLACK_PORT: Env.schema.number.optional(),
})
