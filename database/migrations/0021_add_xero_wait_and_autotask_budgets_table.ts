import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Two limits shared by every process through the database:
 * - a product waiting for a Xero limit too long to wait out in a run (the daily one): until when,
 *   and which limit, so the dashboard card, Sync Logs and `/toolbox status` all say so;
 * - Autotask's budgets, one row per key (see AutotaskBudget): the hourly requests of a database
 *   (per-second buckets) or the requests in flight of one integration code and entity (slots),
 *   each change one conditional UPDATE on `version`, as `xero_budgets`.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('products', (table) => {
      table.timestamp('xero_waiting_until').nullable()
      table.string('xero_waiting_for', 16).nullable()
    })
    this.schema.createTable('autotask_budgets', (table) => {
      table.string('budget_key', 191).primary()
      table.text('hour_log').notNullable()
      table.text('in_flight').notNullable()
      table.integer('version').notNullable().defaultTo(0)
    })
  }

  async down() {
    this.schema.dropTable('autotask_budgets')
    this.schema.alterTable('products', (table) => {
      table.dropColumn('xero_waiting_until')
      table.dropColumn('xero_waiting_for')
    })
  }
}
