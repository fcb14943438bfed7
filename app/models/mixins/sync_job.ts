import type { DateTime } from 'luxon'
import { column, type BaseModel } from '@adonisjs/lucid/orm'
import type { NormalizeConstructor } from '@adonisjs/core/types/helpers'
import { recordStatusLabels, type RecordStatus } from '#enums/record_status'

/**
 * The columns that make a record a job of the engine (status, lease, attempts,
 * fault, link to Xero), the same on invoices and purchase orders.
 */
export function SyncJob<Model extends NormalizeConstructor<typeof BaseModel>>(superclass: Model) {
  class SyncJobColumns extends superclass {
    /** set by a resync: download it from Autotask again before pushing */
    @column({ consume: (value) => Boolean(value) })
    declare needsRefresh: boolean

    @column()
    declare status: RecordStatus

    @column()
    declare previousStatus: RecordStatus | null

    @column()
    declare faultReason: string | null

    @column()
    declare faultHint: string | null

    @column()
    declare attempts: number

    @column.dateTime()
    declare nextAttemptAt: DateTime | null

    @column()
    declare leaseOwner: string | null

    @column.dateTime()
    declare leaseExpiresAt: DateTime | null

    @column()
    declare xeroUrl: string | null

    @column.dateTime()
    declare syncedAt: DateTime | null

    get statusLabel(): string {
      return recordStatusLabels[this.status]
    }
  }
  return SyncJobColumns
}
