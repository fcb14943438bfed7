import { BaseSchema } from '@adonisjs/lucid/schema'

/** Lists fetched from Xero and Autotask for the settings (accounts, PO statuses, companies…), cached per product. */
export default class extends BaseSchema {
  protected tableName = 'live_lists'

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
      table.string('kind', 40).notNullable()
      // A 2,000-company list is larger than MySQL's TEXT (64 KB).
      table.text('entries', 'longtext').notNullable()
      table.timestamp('fetched_at').notNullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['product_id', 'kind'])
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
