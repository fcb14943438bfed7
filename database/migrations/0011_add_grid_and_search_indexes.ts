import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Indexes for the grids and their search boxes, so a page costs the same on
 * 100,000 invoices and 1,000,000 log lines as on ten:
 * - (product_id, id): newest-first pages by id (keyset paging, no OFFSET or COUNT);
 * - (product_id, company/vendor name): the product's distinct names, read for
 *   a search, and the invoices of the names that match;
 * - (product_id, Xero number): a Xero number typed into the search box, by prefix.
 * The invoice or PO number and the Autotask id are indexed since 0003/0004.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('invoice_records', (table) => {
      table.index(['product_id', 'id'], 'invoice_records_product_id_id_index')
      table.index(['product_id', 'company_name'], 'invoice_records_product_id_company_name_index')
      table.index(
        ['product_id', 'xero_invoice_number'],
        'invoice_records_product_id_xero_invoice_number_index'
      )
    })
    this.schema.alterTable('purchase_order_records', (table) => {
      table.index(['product_id', 'id'], 'purchase_order_records_product_id_id_index')
      table.index(
        ['product_id', 'vendor_name'],
        'purchase_order_records_product_id_vendor_name_index'
      )
      table.index(
        ['product_id', 'xero_number'],
        'purchase_order_records_product_id_xero_number_index'
      )
    })
    this.schema.alterTable('sync_logs', (table) => {
      table.index(['product_id', 'id'], 'sync_logs_product_id_id_index')
    })
  }

  async down() {
    this.schema.alterTable('sync_logs', (table) => {
      table.dropIndex(['product_id', 'id'], 'sync_logs_product_id_id_index')
    })
    this.schema.alterTable('purchase_order_records', (table) => {
      table.dropIndex(
        ['product_id', 'xero_number'],
        'purchase_order_records_product_id_xero_number_index'
      )
      table.dropIndex(
        ['product_id', 'vendor_name'],
        'purchase_order_records_product_id_vendor_name_index'
      )
      table.dropIndex(['product_id', 'id'], 'purchase_order_records_product_id_id_index')
    })
    this.schema.alterTable('invoice_records', (table) => {
      table.dropIndex(
        ['product_id', 'xero_invoice_number'],
        'invoice_records_product_id_xero_invoice_number_index'
      )
      table.dropIndex(
        ['product_id', 'company_name'],
        'invoice_records_product_id_company_name_index'
      )
      table.dropIndex(['product_id', 'id'], 'invoice_records_product_id_id_index')
    })
  }
}
