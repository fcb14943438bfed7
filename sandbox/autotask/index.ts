/** The Autotask sandbox, importable without Adonis: `startAutotaskSandbox()` and its seed constants. */
export { startAutotaskSandbox, type AutotaskSandbox } from './server.js'
export {
  AutotaskSandboxState,
  AUTOTASK_SANDBOX_USER,
  AUTOTASK_SANDBOX_SECOND_USER,
  type AutotaskSandboxOptions,
  type SandboxApiUser,
  type SandboxRequestLogEntry,
  type SandboxStats,
  type FaultKind,
} from './state.js'
export { UNMAPPED_TAX_REGION_ID, OWNER_COMPANY_ID, seedTaxRegions } from './seed.js'
export { entityFields, type SandboxEntity, type SandboxRecord } from './entities.js'
