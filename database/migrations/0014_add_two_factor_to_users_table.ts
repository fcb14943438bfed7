import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Two-factor sign-in (TOTP): each user's secret and recovery codes (sealed with APP_KEY),
 * when it was turned on, the last time step used (a code is refused a second time), and an
 * account-wide switch by which an owner requires it for everyone.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('users', (table) => {
      table.text('two_factor_secret').nullable()
      table.text('two_factor_recovery_codes').nullable()
      table.timestamp('two_factor_enabled_at').nullable()
      table.bigint('two_factor_last_step').nullable()
    })
    this.schema.alterTable('accounts', (table) => {
      table.boolean('requires_two_factor').notNullable().defaultTo(false)
    })
  }

  async down() {
    this.schema.alterTable('accounts', (table) => {
      table.dropColumn('requires_two_factor')
    })
    this.schema.alterTable('users', (table) => {
      table.dropColumn('two_factor_last_step')
      table.dropColumn('two_factor_enabled_at')
      table.dropColumn('two_factor_recovery_codes')
      table.dropColumn('two_factor_secret')
    })
  }
}
