import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  protected tableName = 'invoice_records'

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
      table.bigInteger('autotask_id').notNullable()
      table.string('invoice_number', 50).nullable()
      table.bigInteger('autotask_company_id').nullable()
      table.string('company_name', 255).nullable()
      table.date('invoice_date').nullable()
      table.date('due_date').nullable()
      table.decimal('subtotal', 15, 4).notNullable().defaultTo(0)
      table.decimal('tax_total', 15, 4).notNullable().defaultTo(0)
      table.decimal('total', 15, 4).notNullable().defaultTo(0)
      table.string('currency', 3).notNullable().defaultTo('USD')

      table.string('status', 12).notNullable().defaultTo('pending')
      table.string('previous_status', 12).nullable()
      table.text('fault_reason').nullable()
      table.text('fault_hint').nullable()
      table.integer('attempts').unsigned().notNullable().defaultTo(0)
      table.timestamp('next_attempt_at').nullable()
      // A lease, never a bare flag: a dead worker's claim expires and is reclaimed.
      table.string('lease_owner', 100).nullable()
      table.timestamp('lease_expires_at').nullable()

      table.string('xero_invoice_id', 36).nullable()
      table.string('xero_invoice_number', 255).nullable()
      table.string('xero_url', 500).nullable()
      table.timestamp('synced_at').nullable()

      table.json('lines').nullable()
      table.text('autotask_html', 'longtext').nullable()

      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()

      table.unique(['product_id', 'autotask_id'])
      table.index(['product_id', 'status'])
      table.index(['product_id', 'invoice_date'])
      table.index(['product_id', 'invoice_number'])
      table.index(['status', 'next_attempt_at'])
      table.index(['lease_expires_at'])
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
