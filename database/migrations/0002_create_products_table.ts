import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  protected tableName = 'products'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.increments('id')
      table
        .integer('account_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('accounts')
        .onDelete('CASCADE')
      table.string('name', 100).notNullable()
      table.string('status', 10).notNullable().defaultTo('paused')

      // Autotask connection; secrets are encrypted with APP_KEY by the model.
      table.string('autotask_username', 255).nullable()
      table.text('autotask_secret').nullable()
      table.text('autotask_integration_code').nullable()
      table.string('autotask_zone_url', 255).nullable()
      table.string('autotask_health', 10).notNullable().defaultTo('unknown')
      table.string('autotask_health_message', 500).nullable()

      // Xero connection; the token set is encrypted JSON.
      table.string('xero_tenant_id', 36).nullable()
      table.string('xero_tenant_name', 255).nullable()
      table.text('xero_tokens').nullable()
      table.string('xero_health', 10).notNullable().defaultTo('unknown')
      table.string('xero_health_message', 500).nullable()

      table.json('settings').nullable()
      // Discovery resumes after these; committed last in a run.
      table.timestamp('invoice_cursor').nullable()
      table.timestamp('purchase_order_cursor').nullable()
      table.timestamp('next_sync_at').nullable()
      table.timestamp('sync_requested_at').nullable()
      table.timestamp('last_synced_at').nullable()

      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['account_id', 'name'])
      table.index(['status', 'next_sync_at'])
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
