/*
| The worker's schedule (`node ace scheduler:work`): the sync tick every 10
| seconds, never overlapping itself. Several workers may run at once, on one
| machine or many: a product runs in one of them at a time.
*/
import scheduler from 'adonisjs-scheduler/services/main'
import app from '@adonisjs/core/services/app'

scheduler
  .call(async () => {
    const { default: SyncScheduler } = await import('#sync/sync_scheduler')
    const tick = await app.container.make(SyncScheduler)
    await tick.tick()
  })
  .everyTenSeconds()
  .withoutOverlapping()

// The audit trail's retention (AUDIT_RETENTION_DAYS): one delete a day.
scheduler
  .call(async () => {
    const { default: AuditService } = await import('#services/audit_service')
    await (await app.container.make(AuditService)).prune()
  })
  .daily()
  .withoutOverlapping()
