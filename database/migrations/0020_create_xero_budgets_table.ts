import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * One row per Xero organisation: the calls it has made in the rolling minute,
 * the calls in flight (each with its holder and when its slot lapses), and the
 * day's count, shared by every process (workers and web) through the database.
 * `version` makes every change one conditional UPDATE (see XeroBudget).
 */
export default class extends BaseSchema {
  protected tableName = 'xero_budgets'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.string('tenant_id', 64).primary()
      table.text('minute_log').notNullable()
      table.text('in_flight').notNullable()
      table.bigInteger('day_started_at').notNullable()
      table.integer('day_count').notNullable().defaultTo(0)
      table.integer('version').notNullable().defaultTo(0)
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
