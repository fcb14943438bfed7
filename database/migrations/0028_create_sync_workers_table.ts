import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The worker processes alive (SyncWorkers): each checks in at its scheduler tick, so a tick can take
 * its share of the products due rather than all of them.
 */
export default class extends BaseSchema {
  protected tableName = 'sync_workers'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.string('name', 100).primary()
      table.timestamp('seen_at').notNullable().index()
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
