import { BaseSchema } from '@adonisjs/lucid/schema'

/** What the engine last sent to a linked Xero contact (address, phone, e-mail): later syncs update it only when Autotask's differ. */
export default class extends BaseSchema {
  protected tableName = 'links'

  async up() {
    this.schema.alterTable(this.tableName, (table) => {
      table.string('details_hash', 64).nullable()
    })
  }

  async down() {
    this.schema.alterTable(this.tableName, (table) => {
      table.dropColumn('details_hash')
    })
  }
}
