import env from '#start/env'
import { defineConfig, stores } from '@adonisjs/lock'

/**
 * Locks live in the database so that workers on several machines sharing one
 * MySQL database exclude each other.
 */
const lockConfig = defineConfig({
  default: env.get('LOCK_STORE', 'database'),
  stores: {
    database: stores.database({ tableName: 'locks' }),
    memory: stores.memory(),
  },
})

export default lockConfig

declare module '@adonisjs/lock/types' {
  export interface LockStoresList extends InferLockStores<typeof lockConfig> {}
}
