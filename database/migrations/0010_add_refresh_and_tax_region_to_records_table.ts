import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * A resync asks for the record to be downloaded from Autotask again before it
 * is pushed (`needs_refresh`); invoices remember their Autotask tax region.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('invoice_records', (table) => {
      table.boolean('needs_refresh').notNullable().defaultTo(false)
      table.integer('autotask_tax_region_id').nullable()
      table.string('autotask_tax_region_name', 100).nullable()
      table.string('purchase_order_number', 50).nullable()
    })
    this.schema.alterTable('purchase_order_records', (table) => {
      table.boolean('needs_refresh').notNullable().defaultTo(false)
    })
  }

  async down() {
    this.schema.alterTable('purchase_order_records', (table) => {
      table.dropColumn('needs_refresh')
    })
    this.schema.alterTable('invoice_records', (table) => {
      table.dropColumn('needs_refresh')
      table.dropColumn('autotask_tax_region_id')
      table.dropColumn('autotask_tax_region_name')
      table.dropColumn('purchase_order_number')
    })
  }
}
