import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * A product's "Preview next sync": who asked, its state, and what it found (JSON, a few MB for a
 * thousand invoices with their payloads, hence longtext), so a long preview runs in the background
 * and any process can show it.
 */
export default class extends BaseSchema {
  protected tableName = 'sync_previews'

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
      table.string('state', 12).notNullable().defaultTo('running')
      table.string('requested_by', 320).notNullable()
      table.text('result', 'longtext').nullable()
      table.text('error').nullable()
      table.timestamp('started_at').notNullable()
      table.timestamp('finished_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['product_id', 'id'])
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
