import app from '@adonisjs/core/services/app'
import { defineConfig, drivers } from '@adonisjs/core/hash'

/**
 * OWASP's scrypt parameters for passwords: N = 2^17, r = 8, p = 1 (128 MiB per hash).
 * A hash made with other parameters is replaced at the next sign-in (needsReHash).
 */
export const passwordScrypt = {
  cost: 2 ** 17,
  blockSize: 8,
  parallelization: 1,
  maxMemory: 2 ** 28,
}

/**
 * Tests create hundreds of users; at 2^17 each would cost seconds on a shared two-core
 * machine, so the test suite hashes at 2^14 (its own rehash test still proves the upgrade).
 */
const testScrypt = { ...passwordScrypt, cost: 2 ** 14, maxMemory: 2 ** 25 }

const hashConfig = defineConfig({
  default: 'scrypt',

  list: {
    scrypt: drivers.scrypt(app.inTest ? testScrypt : passwordScrypt),
  },
})

export default hashConfig

/**
 * Inferring types for the list of hashers you have configured
 * in your application.
 */
declare module '@adonisjs/core/types' {
  export interface HashersList extends InferHashers<typeof hashConfig> {}
}
