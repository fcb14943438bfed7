/*
| The Xero sandbox (PRODUCT.md §7): importable without Adonis so
| `node ace sandbox:serve`, the demo and the tests can all start it.
*/
export { startXeroSandbox, DEFAULT_LIMITS, API_PREFIX } from '#sandbox/xero/server'
export type { XeroSandbox, XeroSandboxOptions } from '#sandbox/xero/server'
export { XeroSandboxState, SandboxClock } from '#sandbox/xero/state'
export { IDENTITY_PATHS } from '#sandbox/xero/identity'
export { BROAD_SCOPES, DEFAULT_SANDBOX_SCOPE, GRANULAR_SCOPES_CUTOFF } from '#sandbox/xero/scopes'
export {
  XERO_SANDBOX_CLIENT_ID,
  XERO_SANDBOX_CLIENT_SECRET,
  XERO_SANDBOX_TENANTS,
  XERO_SANDBOX_ACCOUNT_CODES,
  XERO_SANDBOX_TAX_TYPES,
  XERO_SANDBOX_CONTACT_NUMBERS,
} from '#sandbox/xero/seed'
export type * from '#sandbox/xero/types'
