/** A sync run's state: at most one run of a product is `running` at a time. */
/** `waiting`: ended at a Xero limit too long to wait out in a run (its daily one); it resumes after the window. */
export const syncRunStates = ['running', 'succeeded', 'failed', 'cancelled', 'waiting'] as const
export type SyncRunState = (typeof syncRunStates)[number]

/** What started a run. */
export const syncRunTriggers = ['schedule', 'manual', 'console'] as const
export type SyncRunTrigger = (typeof syncRunTriggers)[number]

export const logLevels = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof logLevels)[number]

/** The pairs of ids we keep so nothing is ever matched twice. */
export const linkKinds = ['company_contact', 'invoice', 'purchase_order'] as const
export type LinkKind = (typeof linkKinds)[number]

/** What an Autotask value is mapped to in Xero. */
export const mappingKinds = ['tax_region', 'billing_code', 'billing_code_item'] as const
export type MappingKind = (typeof mappingKinds)[number]

/** `autotask_value` of the mapping used when no specific one exists (e.g. the default account). */
export const DEFAULT_MAPPING_VALUE = '*'

/** Connection health of one external system, as shown on the dashboard card. */
export const connectionHealths = ['unknown', 'ok', 'error'] as const
export type ConnectionHealth = (typeof connectionHealths)[number]
