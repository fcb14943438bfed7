import env from '#start/env'
import { defineConfig, drivers } from '@adonisjs/core/encryption'

/**
 * Every stored secret (Autotask secrets, Xero and Slack tokens) and the session cookie are
 * sealed with APP_KEY. The legacy driver keeps AdonisJS 6's format, so a database written
 * before the upgrade to AdonisJS 7 stays readable; changing it means re-sealing every secret.
 */
const encryptionConfig = defineConfig({
  default: 'legacy',
  list: {
    legacy: drivers.legacy({ keys: [env.get('APP_KEY')] }),
  },
})

export default encryptionConfig

declare module '@adonisjs/core/types' {
  export interface EncryptorsList extends InferEncryptors<typeof encryptionConfig> {}
}
