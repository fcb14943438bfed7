import { DateTime } from 'luxon'
import { BaseModel, column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import plans, { defaultPlan, type Plan, type PlanName } from '#config/plans'
import User from '#models/user'
import Product from '#models/product'

/** One MSP, the tenant. Nothing of one account is visible to another. */
export default class Account extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare name: string

  @column()
  declare plan: PlanName

  /** Set by an owner: every user of the account signs in with a second factor. */
  @column({ consume: (value) => Boolean(value) })
  declare requiresTwoFactor: boolean

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @hasMany(() => User)
  declare users: HasMany<typeof User>

  @hasMany(() => Product)
  declare products: HasMany<typeof Product>

  /** The plan's feature set from config/plans.ts (the default plan's, for a plan name it does not know). */
  get features(): Plan {
    return plans[this.plan] ?? plans[defaultPlan]
  }
}
