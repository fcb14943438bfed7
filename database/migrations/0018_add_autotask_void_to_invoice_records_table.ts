import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Voids after the fact: when discovery saw the Autotask invoice voided after it reached Xero, and what
 * became of its Xero invoice (deleted, voided, already gone, or refused because money is allocated to it).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('invoice_records', (table) => {
      table.timestamp('autotask_voided_at').nullable()
      table.string('void_state', 12).nullable()
    })
  }

  async down() {
    this.schema.alterTable('invoice_records', (table) => {
      table.dropColumn('void_state')
      table.dropColumn('autotask_voided_at')
    })
  }
}
