import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import type { RecordFaulted, RecordSynced, SyncRunFinished } from '#events/sync_events'
import SlackAlertService from '#services/slack_alert_service'

/** Serialises this process's outbox writes, so two faults of one run never open two alerts. */
let queue: Promise<unknown> = Promise.resolve()

function serially<T>(work: () => Promise<T>) {
  const run = queue.then(work, work)
  queue = run.catch(() => undefined)
  return run
}

/** Synced records gathered until the queue reaches them, to be looked up together. */
let gathering: { events: RecordSynced[]; touched: Promise<unknown[]> } | null = null

function together(event: RecordSynced, work: (events: RecordSynced[]) => Promise<unknown[]>) {
  if (!gathering) {
    const events: RecordSynced[] = []
    const touched = serially(() => {
      gathering = null
      return work(events)
    })
    gathering = { events, touched }
  }
  gathering.events.push(event)
  return gathering.touched
}

/**
 * The sync engine's events → the Slack outbox. A listener only writes rows (and
 * starts a background flush), and never throws: Slack can never fail a sync.
 */
@inject()
export default class SlackAlerts {
  constructor(protected alerts: SlackAlertService) {}

  async faulted(event: RecordFaulted) {
    await this.safely('record:faulted', () => serially(() => this.alerts.recordFaulted(event)))
  }

  async synced(event: RecordSynced) {
    await this.safely('record:synced', async () => {
      // Most synced invoices were never alerted: nothing to update, nothing to flush.
      const touched = await together(event, (events) => this.alerts.recordsSynced(events))
      if (touched.length > 0) this.alerts.flushInBackground()
    })
  }

  async runFinished(event: SyncRunFinished) {
    await this.safely('sync_run:finished', async () => {
      await serially(() => this.alerts.runFinished(event.runId))
      this.alerts.flushInBackground()
    })
  }

  private async safely(event: string, work: () => Promise<unknown>) {
    try {
      await work()
    } catch (error) {
      logger.error({ err: error }, `slack: could not queue the alert for ${event}`)
    }
  }
}
