/** The Autotask sandbox, importable without Adonis: `startAutotaskSandbox()` and its seed constants. */
export { startAutotaskSandbox, type AutotaskSandbox } from '#sandbox/autotask/server'
export {
  AutotaskSandboxState,
  AUTOTASK_SANDBOX_USER,
  AUTOTASK_SANDBOX_SECOND_USER,
  type AutotaskSandboxOptions,
  type SandboxApiUser,
  type SandboxRequestLogEntry,
  type SandboxStats,
  type FaultKind,
} from '#sandbox/autotask/state'
export { UNMAPPED_TAX_REGION_ID, OWNER_COMPANY_ID, seedTaxRegions } from '#sandbox/autotask/seed'
export { entityFields, type SandboxEntity, type SandboxRecord } from '#sandbox/autotask/entities'
