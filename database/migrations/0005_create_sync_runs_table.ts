import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  protected tableName = 'sync_runs'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.increments('id')
      table
        .integer('product_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('products')
        .onDelete('CASCADE')
      table.string('trigger', 12).notNullable()
      table.string('triggered_by', 255).nullable()
      table.string('state', 12).notNullable().defaultTo('running')
      table.string('worker', 100).nullable()
      table.timestamp('started_at').notNullable()
      table.timestamp('heartbeat_at').nullable()
      table.timestamp('finished_at').nullable()
      table.json('stats').nullable()
      table.text('error').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['product_id', 'started_at'])
      table.index(['product_id', 'state'])
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
