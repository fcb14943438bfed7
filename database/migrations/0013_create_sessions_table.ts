import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * @adonisjs/session's database store (its own migration stub's columns): one row per
 * session, tagged with the signed-in user so all of a user's sessions can be ended.
 */
export default class extends BaseSchema {
  protected tableName = 'sessions'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.string('id', 64).primary()
      table.text('data').notNullable()
      table.string('user_id', 64).nullable().index()
      table.timestamp('expires_at').notNullable().index()
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
