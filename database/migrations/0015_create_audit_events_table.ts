import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The audit trail (issue 15 §2): who did what, when, on what and from where.
 * Rows are only ever inserted (and pruned past the retention); the account and
 * product are kept by id and by name so a row still reads after either is gone.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('audit_events', (table) => {
      table.bigIncrements('id')
      table.integer('account_id').unsigned().nullable()
      table.timestamp('occurred_at').notNullable()
      table.string('face', 16).notNullable()
      table.string('action', 64).notNullable()
      table.integer('actor_user_id').unsigned().nullable()
      table.string('actor_label', 320).notNullable()
      table.string('ip', 64).nullable()
      table.string('host', 255).nullable()
      table.string('slack_team_id', 32).nullable()
      table.string('slack_user_id', 32).nullable()
      table.integer('product_id').unsigned().nullable()
      table.string('product_name', 255).nullable()
      table.string('record_kind', 32).nullable()
      table.integer('record_id').unsigned().nullable()
      table.string('record_label', 255).nullable()
      table.text('details').nullable()

      table.index(['account_id', 'occurred_at'])
      table.index(['occurred_at'])
    })
  }

  async down() {
    this.schema.dropTable('audit_events')
  }
}
