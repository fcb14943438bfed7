import { inject } from '@adonisjs/core'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import db from '@adonisjs/lucid/services/db'
import type { RecordFaulted, RecordSynced } from '#events/sync_events'
import { recordKinds, type AnyRecord, type RecordKind } from '#sync/record_kinds'
import type { SlackConfig } from '#config/slack'
import Product from '#models/product'
import SlackAlert from '#models/slack_alert'
import SlackAlertRecord from '#models/slack_alert_record'
import { toSqlDateTime } from '#models/columns'
import SlackConnectionService from '#services/slack_connection_service'
import SyncLogService from '#services/sync_log_service'
import { Clock } from '#sync/clock'
import { alertMessage, type AlertLine } from '#integrations/slack/messages'
import { SlackClient, SlackError } from '#integrations/slack/slack_client'

/** What one flush did. */
export interface FlushReport {
  posted: number
  updated: number
  deferred: number
  failed: number
  dropped: number
}

const LEASE_SECONDS = 60
const BATCH = 50
const FIRST_BACKOFF_SECONDS = 15
/** an update of a posted message is given up after this many failed tries (about an hour of back-off) */
const MAX_UPDATE_ATTEMPTS = 10

/** Background flushes started by listeners, so a caller (a test, a shutdown) can wait for them. */
let background: Promise<unknown> = Promise.resolve()

/**
 * Fault alerts in Slack through an outbox: events only write rows (a Slack
 * outage never touches a sync), and `flush()` posts what is due, groups a run's
 * faults in one message, paces each channel, backs off when Slack refuses,
 * updates messages when their records move, and drops an alert only after
 * `dropAfterMinutes`, with a log line.
 */
@inject()
export default class SlackAlertService {
  constructor(
    protected clock: Clock,
    protected connections: SlackConnectionService,
    protected logs: SyncLogService,
    protected slack: SlackClient
  ) {}

  /** A record faulted: add it to its run's alert (new ones wait `debounceSeconds` for the rest of the run). */
  async recordFaulted(event: RecordFaulted) {
    const product = await Product.find(event.productId)
    const channel = product?.effectiveSettings.slackChannel?.trim()
    if (!product || !channel) return null
    if (!(await this.connections.forAccount(product.accountId))) return null
    const now = this.clock.now()
    return db.transaction(async (trx) => {
      const query = SlackAlert.query({ client: trx })
        .where('product_id', product.id)
        .orderBy('id', 'desc')
      if (event.syncRunId)
        query.where('sync_run_id', event.syncRunId).whereIn('state', ['queued', 'posted'])
      else query.whereNull('sync_run_id').where('state', 'queued')
      let alert = await query.first()
      if (!alert) {
        alert = await SlackAlert.create(
          {
            productId: product.id,
            syncRunId: event.syncRunId,
            channel,
            state: 'queued',
            revision: 1,
            postedRevision: 0,
            attempts: 0,
            nextAttemptAt: now.plus({ seconds: this.config.debounceSeconds }),
          },
          { client: trx }
        )
      } else {
        alert.revision += 1
        if (alert.state === 'posted') alert.nextAttemptAt = now
        await alert.useTransaction(trx).save()
      }
      await SlackAlertRecord.updateOrCreate(
        { slackAlertId: alert.id, kind: event.kind, recordId: event.recordId },
        { reason: event.reason, hint: event.hint, outcome: null },
        { client: trx }
      )
      return alert
    })
  }

  /**
   * Records reached Xero: alerts already posted say so; a queued alert forgets them. Most were never
   * alerted, so they are looked up together (a batch's fifty in one query, not fifty).
   */
  async recordsSynced(events: RecordSynced[]) {
    const touched: SlackAlert[] = []
    for (const kind of new Set(events.map((event) => event.kind))) {
      const ids = events.filter((event) => event.kind === kind).map((event) => event.recordId)
      const alerted = await SlackAlertRecord.query()
        .where('kind', kind)
        .whereIn('record_id', ids)
        .select('record_id')
      for (const recordId of new Set(alerted.map((line) => line.recordId))) {
        touched.push(
          ...(await this.resolve(kind, recordId, 'Synced to Xero', { forgetIfQueued: true }))
        )
      }
    }
    return touched
  }

  /** A person acted on an alerted record (a button, a command): the message shows who did what. */
  async recordOutcome(kind: RecordKind, recordId: number, outcome: string) {
    return this.resolve(kind, recordId, outcome, { forgetIfQueued: false })
  }

  /** A run ended: its queued alert is due now instead of after the debounce window. */
  async runFinished(runId: number) {
    await SlackAlert.query()
      .where('sync_run_id', runId)
      .where('state', 'queued')
      .update({ next_attempt_at: toSqlDateTime(this.clock.now()) })
  }

  /** Starts a flush (of these alerts only, when given) without making the caller wait for Slack. */
  flushInBackground(onlyIds?: number[]) {
    const run = background
      .then(() => this.flush(onlyIds))
      .catch((error) => logger.error({ err: error }, 'slack: flush failed'))
    background = run
    return run
  }

  /** Waits for background flushes to finish. */
  async settled() {
    await background
  }

  /** Posts and updates every due alert once. The worker calls this every tick; `node ace slack:flush` too. */
  async flush(onlyIds?: number[]): Promise<FlushReport> {
    const report: FlushReport = { posted: 0, updated: 0, deferred: 0, failed: 0, dropped: 0 }
    const now = this.clock.now()
    const query = SlackAlert.query()
    if (onlyIds) query.whereIn('id', onlyIds)
    const due = await query
      .where('next_attempt_at', '<=', toSqlDateTime(now))
      .where((unsent) => {
        unsent
          .where('state', 'queued')
          .orWhere((posted) =>
            posted.where('state', 'posted').whereRaw('revision > posted_revision')
          )
      })
      .where((free) =>
        free.whereNull('lease_expires_at').orWhere('lease_expires_at', '<', toSqlDateTime(now))
      )
      .orderBy('id')
      .limit(BATCH)
    for (const alert of due) {
      if (!(await this.claim(alert))) continue
      const outcome = await this.deliver(alert)
      report[outcome] += 1
    }
    return report
  }

  /** One alert: posted, updated, deferred (channel pace), failed (retried later) or dropped. */
  private async deliver(alert: SlackAlert): Promise<keyof FlushReport> {
    const now = this.clock.now()
    const config = this.config
    const expired =
      alert.state === 'queued'
        ? alert.createdAt.plus({ minutes: config.dropAfterMinutes }) <= now
        : alert.attempts + 1 >= MAX_UPDATE_ATTEMPTS
    if (alert.state === 'queued' && expired)
      return this.drop(alert, 'Slack did not take it in time')

    const view = await this.view(alert)
    const product = await Product.find(alert.productId)
    const connection = product ? await this.connections.forAccount(product.accountId) : null
    if (!product || !connection || view === null)
      return this.drop(alert, 'the product, its Slack installation or its records are gone')

    if (alert.state === 'queued') {
      const since = toSqlDateTime(now.minus({ minutes: 1 }))
      const recent = await SlackAlert.query()
        .where('channel', alert.channel)
        .where('posted_at', '>', since)
        .orderBy('posted_at')
      if (recent.length >= config.maxMessagesPerMinute) {
        alert.nextAttemptAt = recent[0].postedAt!.plus({ minutes: 1, seconds: 1 })
        alert.leaseExpiresAt = null
        await alert.save()
        return 'deferred'
      }
    }

    const revision = alert.revision
    const message = alertMessage(view)
    try {
      if (alert.state === 'queued') {
        const posted = await this.slack.postMessage(connection.botToken, alert.channel, message)
        alert.merge({
          state: 'posted',
          channelId: posted.channelId,
          messageTs: posted.ts,
          postedAt: this.clock.now(),
        })
      } else {
        const posted = { channelId: alert.channelId!, ts: alert.messageTs! }
        await this.slack.updateMessage(connection.botToken, posted, message)
      }
    } catch (error) {
      if (!(error instanceof SlackError)) throw error
      return this.retryLater(alert, error, expired)
    }
    const wasUpdate = alert.postedRevision > 0
    await db
      .from('slack_alerts')
      .where('id', alert.id)
      .update({
        state: 'posted',
        channel_id: alert.channelId,
        message_ts: alert.messageTs,
        posted_at: alert.postedAt ? toSqlDateTime(alert.postedAt) : null,
        posted_revision: revision,
        attempts: 0,
        last_error: null,
        lease_expires_at: null,
        updated_at: toSqlDateTime(this.clock.now()),
      })
    return wasUpdate ? 'updated' : 'posted'
  }

  /** Backs off (Slack's Retry-After when it gives one, else doubling) or, past the window, gives up. */
  private async retryLater(
    alert: SlackAlert,
    failure: SlackError,
    expired: boolean
  ): Promise<keyof FlushReport> {
    if (expired) return this.drop(alert, failure.message)
    const attempts = alert.attempts + 1
    const backoff = Math.min(
      this.config.maxBackoffSeconds,
      FIRST_BACKOFF_SECONDS * 2 ** (attempts - 1)
    )
    alert.merge({
      attempts,
      lastError: failure.message,
      nextAttemptAt: this.clock.now().plus({ seconds: failure.retryAfterSeconds ?? backoff }),
      leaseExpiresAt: null,
    })
    await alert.save()
    logger.warn(
      { alertId: alert.id, attempts },
      `slack: alert ${alert.id} not delivered (${failure.message}); retrying`
    )
    return 'failed'
  }

  /** Gives up on an alert (or on its pending update) and says so in the app log and the product's sync log. */
  private async drop(alert: SlackAlert, why: string): Promise<keyof FlushReport> {
    const wasPosted = alert.state === 'posted'
    if (wasPosted) alert.postedRevision = alert.revision
    else alert.state = 'dropped'
    alert.merge({ lastError: why, leaseExpiresAt: null })
    await alert.save()
    const what = wasPosted ? `an update of Slack alert ${alert.id}` : `Slack alert ${alert.id}`
    logger.warn({ alertId: alert.id }, `slack: dropped ${what} for ${alert.channel}: ${why}`)
    if (await Product.find(alert.productId)) {
      await this.logs.write({
        productId: alert.productId,
        syncRunId: alert.syncRunId,
        level: 'warn',
        event: 'slack.alert_dropped',
        message: `Dropped ${what} for ${alert.channel}: ${why}`,
        actor: 'slack',
      })
    }
    return 'dropped'
  }

  /** A lease on the row, so two workers never post the same alert. */
  private async claim(alert: SlackAlert) {
    const now = this.clock.now()
    const changed = await db
      .from('slack_alerts')
      .where('id', alert.id)
      .where((free) =>
        free.whereNull('lease_expires_at').orWhere('lease_expires_at', '<', toSqlDateTime(now))
      )
      .update({ lease_expires_at: toSqlDateTime(now.plus({ seconds: LEASE_SECONDS })) })
    if (Number(changed) === 0) return false
    await alert.refresh()
    return true
  }

  private async resolve(
    kind: RecordKind,
    recordId: number,
    outcome: string,
    options: { forgetIfQueued: boolean }
  ) {
    const lines = await SlackAlertRecord.query().where('kind', kind).where('record_id', recordId)
    const touched: SlackAlert[] = []
    for (const line of lines) {
      const alert = await SlackAlert.find(line.slackAlertId)
      if (!alert || alert.state === 'dropped') continue
      if (alert.state === 'queued' && options.forgetIfQueued) {
        await line.delete()
        const left = await SlackAlertRecord.query()
          .where('slack_alert_id', alert.id)
          .count('* as total')
        if (Number(left[0].$extras.total) === 0) await alert.delete()
        continue
      }
      line.outcome = outcome.slice(0, 500)
      await line.save()
      await db.from('slack_alerts').where('id', alert.id).increment('revision', 1)
      if (alert.state === 'posted') {
        await db
          .from('slack_alerts')
          .where('id', alert.id)
          .update({ next_attempt_at: toSqlDateTime(this.clock.now()) })
      }
      touched.push(alert)
    }
    return touched
  }

  /** The alert as people see it, read from the records as they are now. */
  private async view(alert: SlackAlert) {
    const lines = await SlackAlertRecord.query().where('slack_alert_id', alert.id).orderBy('id')
    if (lines.length === 0) return null
    const product = await Product.find(alert.productId)
    if (!product) return null
    const base = this.config.appUrl.replace(/\/+$/, '')
    const shown: AlertLine[] = []
    for (const line of lines) {
      const record = (await recordKinds[line.kind].model.find(line.recordId)) as AnyRecord | null
      if (!record) continue
      shown.push({
        kind: line.kind,
        label: recordKinds[line.kind].labelOf(record),
        recordId: line.recordId,
        number: recordKinds[line.kind].numberOf(record) ?? `Autotask ${record.autotaskId}`,
        party: recordKinds[line.kind].partyOf(record) ?? 'unknown company',
        amount: `${record.currency ?? ''} ${record.total?.toFixed(2) ?? ''}`.trim(),
        reason: line.reason,
        hint: line.hint,
        url: `${base}/products/${product.id}/${recordKinds[line.kind].path}/${record.id}`,
        outcome: line.outcome,
      })
    }
    if (shown.length === 0) return null
    return {
      alertId: alert.id,
      productId: product.id,
      productName: product.name,
      syncRunId: alert.syncRunId,
      faultsUrl: `${base}/products/${product.id}/invoices?status=fault`,
      lines: shown,
    }
  }

  private get config() {
    return app.config.get<SlackConfig>('slack')
  }
}
