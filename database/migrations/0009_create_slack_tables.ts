import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The Slack bot (PRODUCT.md §5): one installation per account (secrets
 * encrypted), Slack users linked to app users, the alert outbox with the
 * records each alert lists, and the signatures already seen (replay guard).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('slack_connections', (table) => {
      table.increments('id')
      table
        .integer('account_id')
        .unsigned()
        .notNullable()
        .unique()
        .references('id')
        .inTable('accounts')
        .onDelete('CASCADE')
      table.string('team_id', 32).notNullable()
      table.string('team_name', 255).nullable()
      table.string('bot_user_id', 32).nullable()
      table.string('bot_id', 32).nullable()
      table.text('bot_token').notNullable()
      table.text('signing_secret').notNullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()

      table.index(['team_id'])
    })

    this.schema.createTable('slack_user_links', (table) => {
      table.increments('id')
      table
        .integer('slack_connection_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('slack_connections')
        .onDelete('CASCADE')
      table.string('slack_user_id', 32).notNullable()
      table.string('slack_user_name', 255).nullable()
      table
        .integer('user_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('users')
        .onDelete('CASCADE')
      table.string('status', 10).notNullable().defaultTo('pending')
      table.string('approved_by', 255).nullable()
      table.timestamp('approved_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()

      table.unique(['slack_connection_id', 'slack_user_id'])
    })

    this.schema.createTable('slack_alerts', (table) => {
      table.increments('id')
      table
        .integer('product_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('products')
        .onDelete('CASCADE')
      table.integer('sync_run_id').unsigned().nullable()
      table.string('channel', 255).notNullable()
      // queued → posted (message_ts known) | dropped; a posted alert whose revision is ahead
      // of the posted one is due a chat.update
      table.string('state', 10).notNullable().defaultTo('queued')
      table.string('channel_id', 32).nullable()
      table.string('message_ts', 32).nullable()
      table.integer('revision').unsigned().notNullable().defaultTo(1)
      table.integer('posted_revision').unsigned().notNullable().defaultTo(0)
      table.integer('attempts').unsigned().notNullable().defaultTo(0)
      table.timestamp('next_attempt_at').notNullable()
      table.timestamp('lease_expires_at').nullable()
      table.text('last_error').nullable()
      table.timestamp('posted_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()

      table.index(['state', 'next_attempt_at'])
      table.index(['product_id', 'sync_run_id', 'state'])
      table.index(['channel', 'posted_at'])
    })

    this.schema.createTable('slack_alert_records', (table) => {
      table.increments('id')
      table
        .integer('slack_alert_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('slack_alerts')
        .onDelete('CASCADE')
      table.string('kind', 20).notNullable()
      table.integer('record_id').unsigned().notNullable()
      table.text('reason').notNullable()
      table.text('hint').nullable()
      table.string('outcome', 500).nullable()
      table.timestamp('created_at').notNullable()

      table.unique(['slack_alert_id', 'kind', 'record_id'])
      table.index(['kind', 'record_id'])
    })

    this.schema.createTable('slack_request_signatures', (table) => {
      table.string('signature', 100).notNullable().primary()
      table.timestamp('expires_at').notNullable()

      table.index(['expires_at'])
    })
  }

  async down() {
    this.schema.dropTable('slack_request_signatures')
    this.schema.dropTable('slack_alert_records')
    this.schema.dropTable('slack_alerts')
    this.schema.dropTable('slack_user_links')
    this.schema.dropTable('slack_connections')
  }
}
