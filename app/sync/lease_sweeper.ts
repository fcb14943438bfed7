import { inject } from '@adonisjs/core'
import SyncLogService from '#services/sync_log_service'
import LeaseService from '#sync/leases'
import { recordKindNames, recordKinds } from '#sync/record_kinds'

/** Gives back records whose worker died mid-push (lease expired): Pending Sync again, each with a log line. */
@inject()
export default class LeaseSweeper {
  constructor(
    protected leases: LeaseService,
    protected logs: SyncLogService
  ) {}

  async sweep() {
    let count = 0
    for (const kind of recordKindNames) {
      const reclaimed = await this.leases.reclaimExpired(kind)
      count += reclaimed.length
      await this.logs.writeMany(
        reclaimed.map((record) => ({
          productId: record.productId,
          [recordKinds[kind].logAttribute]: record.id,
          autotaskId: record.autotaskId,
          level: 'warn' as const,
          event: `${kind}.lease_expired`,
          message: `Worker ${record.leaseOwner.split('#')[0]} stopped while pushing it: back to Pending Sync`,
          actor: 'engine',
        }))
      )
    }
    return count
  }
}
