import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('accounts', (table) => {
      table.increments('id')
      table.string('name', 150).notNullable().unique()
      table.string('plan', 30).notNullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
    })

    this.schema.createTable('users', (table) => {
      table.increments('id')
      table
        .integer('account_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('accounts')
        .onDelete('CASCADE')
      table.string('full_name', 150).nullable()
      table.string('email', 254).notNullable().unique()
      table.string('password', 255).notNullable()
      table.string('role', 10).notNullable().defaultTo('viewer')
      table.boolean('is_staff').notNullable().defaultTo(false)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['account_id'])
    })
  }

  async down() {
    this.schema.dropTable('users')
    this.schema.dropTable('accounts')
  }
}
