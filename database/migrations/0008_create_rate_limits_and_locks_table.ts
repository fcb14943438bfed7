import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Tables of @adonisjs/limiter and @adonisjs/lock: shared by every process on
 * the same database, so limits and locks hold across workers and machines.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('rate_limits', (table) => {
      table.string('key', 255).notNullable().primary()
      table.integer('points', 9).notNullable().defaultTo(0)
      table.bigint('expire').unsigned()
    })
    this.schema.createTable('locks', (table) => {
      table.string('key', 255).notNullable().primary()
      table.string('owner').notNullable()
      table.bigint('expiration').unsigned().nullable()
    })
  }

  async down() {
    this.schema.dropTable('locks')
    this.schema.dropTable('rate_limits')
  }
}
