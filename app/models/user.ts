import { DateTime } from 'luxon'
import hash from '@adonisjs/core/services/hash'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import db from '@adonisjs/lucid/services/db'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withAuthFinder } from '@adonisjs/auth/mixins/lucid'
import type { UserRole } from '#enums/user_role'
import Account from '#models/account'
import { encryptedColumn } from '#models/columns'

const ACCOUNT_PREFIX = 'account__'

const AuthFinder = withAuthFinder(() => hash.use('scrypt'), {
  uids: ['email'],
  passwordColumnName: 'password',
})

/**
 * A person who signs in. Belongs to one account; `isStaff` marks the operator's
 * engineers, who may open any account for support.
 */
export default class User extends compose(BaseModel, AuthFinder) {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare accountId: number

  @column()
  declare fullName: string | null

  @column()
  declare email: string

  @column({ serializeAs: null })
  declare password: string

  @column()
  declare role: UserRole

  @column({ consume: (value) => Boolean(value) })
  declare isStaff: boolean

  /** The TOTP secret (base32), sealed; set at enrolment, confirmed by `twoFactorEnabledAt`. */
  @encryptedColumn()
  declare twoFactorSecret: string | null

  /** SHA-256 digests of the unused recovery codes, sealed. */
  @encryptedColumn()
  declare twoFactorRecoveryCodes: string[] | null

  @column.dateTime()
  declare twoFactorEnabledAt: DateTime | null

  /** The TOTP time step last accepted: a code of that step or an earlier one is refused (no replay). */
  @column({ consume: (value) => (value === null || value === undefined ? null : Number(value)) })
  declare twoFactorLastStep: number | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Account)
  declare account: BelongsTo<typeof Account>

  /**
   * The user with their account preloaded, read in one query (a join): every signed-in request
   * needs both, and two round trips cost the server more than the join does.
   */
  static async findWithAccount(id: number | string): Promise<User | null> {
    const accountColumns = [...Account.$columnsDefinitions.values()].map((c) => c.columnName)
    const row: Record<string, unknown> | null = await db
      .from(User.table)
      .leftJoin(Account.table, `${Account.table}.id`, `${User.table}.account_id`)
      .where(`${User.table}.id`, id)
      .select(
        `${User.table}.*`,
        ...accountColumns.map((name) => `${Account.table}.${name} as ${ACCOUNT_PREFIX}${name}`)
      )
      .first()
    if (!row) return null
    const userRow: Record<string, unknown> = {}
    const accountRow: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(row)) {
      if (name.startsWith(ACCOUNT_PREFIX)) accountRow[name.slice(ACCOUNT_PREFIX.length)] = value
      else userRow[name] = value
    }
    const user = User.$createFromAdapterResult(userRow)!
    if (accountRow.id !== null && accountRow.id !== undefined)
      user.$setRelated('account', Account.$createFromAdapterResult(accountRow)!)
    return user
  }

  /** Owners and admins act; viewers only read. */
  get canAct(): boolean {
    return this.role === 'owner' || this.role === 'admin'
  }

  get hasTwoFactor(): boolean {
    return this.twoFactorEnabledAt !== null && this.twoFactorEnabledAt !== undefined
  }

  get displayName(): string {
    return this.fullName || this.email
  }
}
