import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * When we created the record's Xero document (the create answered OK): its UpdatedDateUTC is at least
 * that, so the payments check finds any payment on it by what changed since. Null: not known to be ours
 * (found by number or reference, linked before this column), asked of Xero by id.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('invoice_records', (table) => {
      table.timestamp('xero_created_at').nullable()
    })
  }

  async down() {
    this.schema.alterTable('invoice_records', (table) => {
      table.dropColumn('xero_created_at')
    })
  }
}
