import { BaseSchema } from '@adonisjs/lucid/schema'

/** Line tracking and the branding theme per template: the company's territory and the invoice's template, as Autotask had them. */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('invoice_records', (table) => {
      table.integer('autotask_territory_id').nullable()
      table.integer('autotask_invoice_template_id').nullable()
    })
  }

  async down() {
    this.schema.alterTable('invoice_records', (table) => {
      table.dropColumn('autotask_territory_id')
      table.dropColumn('autotask_invoice_template_id')
    })
  }
}
