import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    // Stored pairs of ids: Autotask company ↔ Xero contact, invoice ↔ Xero invoice, PO ↔ Xero PO/bill.
    this.schema.createTable('links', (table) => {
      table.increments('id')
      table
        .integer('product_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('products')
        .onDelete('CASCADE')
      table.string('kind', 20).notNullable()
      table.bigInteger('autotask_id').notNullable()
      table.string('xero_id', 36).notNullable()
      table.string('xero_label', 255).nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['product_id', 'kind', 'autotask_id'])
      table.index(['product_id', 'kind', 'xero_id'])
    })

    // Autotask value → Xero value; autotask_value '*' is the default of its kind.
    this.schema.createTable('mappings', (table) => {
      table.increments('id')
      table
        .integer('product_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('products')
        .onDelete('CASCADE')
      table.string('kind', 20).notNullable()
      table.string('autotask_value', 100).notNullable()
      table.string('autotask_label', 255).nullable()
      table.string('xero_value', 100).notNullable()
      table.string('xero_label', 255).nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['product_id', 'kind', 'autotask_value'])
    })
  }

  async down() {
    this.schema.dropTable('mappings')
    this.schema.dropTable('links')
  }
}
