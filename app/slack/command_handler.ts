import { inject } from '@adonisjs/core'
import type Account from '#models/account'
import AccountService from '#services/account_service'
import type SlackConnection from '#models/slack_connection'
import type Product from '#models/product'
import type SlackUserLink from '#models/slack_user_link'
import type User from '#models/user'
import { syncedText } from '#models/sync_run'
import { recordStatusLabels, recordStatuses } from '#enums/record_status'
import ProductService from '#services/product_service'
import RecordStatusService, { resyncOutcome } from '#services/record_status_service'
import SlackAlertService from '#services/slack_alert_service'
import SlackLinkService, { type SlackActor } from '#services/slack_link_service'
import SlackLookupService, { type ProductStatusSummary } from '#services/slack_lookup_service'
import { ephemeral, escape, HELP_TEXT } from '#integrations/slack/messages'
import ProductPolicy from '#policies/product_policy'
import { bouncerFor } from '#policies/bouncer_for'
import AuditService, { type AuditAction } from '#services/audit_service'
import SyncPreviewService from '#services/sync_preview_service'
import { previewRecordLine, previewSummary } from '#sync/sync_preview'
import app from '@adonisjs/core/services/app'
import type { SlackConfig } from '#config/slack'

/** How long `/toolbox preview` waits for the result before answering with where it will be (Slack waits 3 s). */
const SLACK_PREVIEW_WAIT_MS = 2000

/** The caller of a slash command, as Slack names them. */
export interface CommandCaller {
  slackUserId: string
  slackUserName: string | null
  command: string
  text: string
}

type Parsed =
  | { verb: 'help' }
  | { verb: 'status'; rest: string }
  | { verb: 'resync'; rest: string }
  | { verb: 'sync_now'; rest: string }
  | { verb: 'preview'; rest: string }
  | { verb: 'pause'; rest: string }
  | { verb: 'resume'; rest: string }
  | { verb: 'link'; rest: string }
  | { verb: 'approve'; rest: string }
  | { verb: 'unlink'; rest: string }
  | { verb: 'unknown'; words: string }

/** What `/toolbox <text>` asks for. */
export function parseCommandText(text: string): Parsed {
  const words = text.trim().replace(/\s+/g, ' ')
  const match = words.match(/^(\S+)(?: (.*))?$/)
  if (!match) return { verb: 'help' }
  const first = match[1].toLowerCase()
  const rest = match[2] ?? ''
  switch (first) {
    case 'help':
      return { verb: 'help' }
    case 'status':
    case 'resync':
    case 'pause':
    case 'resume':
    case 'link':
    case 'approve':
    case 'unlink':
    case 'preview':
      return { verb: first, rest }
    case 'sync': {
      const now = rest.match(/^now(?: (.*))?$/i)
      return now ? { verb: 'sync_now', rest: now[1] ?? '' } : { verb: 'unknown', words }
    }
    default:
      return { verb: 'unknown', words }
  }
}

/**
 * The slash command face: parses, checks the caller is linked and allowed (as
 * the web does: viewers only read), calls one service, and says what happened.
 * Every answer is ephemeral; the services write the sync log with the actor.
 */
@inject()
export default class SlackCommandHandler {
  constructor(
    protected links: SlackLinkService,
    protected lookup: SlackLookupService,
    protected products: ProductService,
    protected records: RecordStatusService,
    protected alerts: SlackAlertService,
    protected accounts: AccountService,
    protected audit: AuditService,
    protected previews: SyncPreviewService
  ) {}

  async handle(connection: SlackConnection, caller: CommandCaller) {
    const parsed = parseCommandText(caller.text)
    if (parsed.verb === 'help') return ephemeral(HELP_TEXT)
    if (parsed.verb === 'unknown') {
      return ephemeral(
        `I don't know "${escape(parsed.words)}". Type \`${caller.command} help\` for what I understand.`
      )
    }
    if (parsed.verb === 'link') return this.requestLink(connection, caller, parsed.rest)

    const actor = await this.links.actorFor(connection, caller.slackUserId)
    if (!actor) {
      return ephemeral(
        `Your Slack user is not linked to an Accounting Toolbox user yet. Type \`${caller.command} link you@yourcompany.com\` and ask an owner or admin to approve it.`
      )
    }
    const account = await this.accounts.findOrFail(connection.accountId)
    if (parsed.verb === 'status') return this.status(account, parsed.rest)
    if (await bouncerFor(actor.user).with(ProductPolicy).denies('actInAccount', account)) {
      return ephemeral(
        `You are linked to ${escape(actor.user.email)}, a viewer: you can use \`status\`, and owners or admins act.`
      )
    }
    switch (parsed.verb) {
      case 'resync':
        return this.resync(account, actor, parsed.rest)
      case 'sync_now':
        return this.syncNow(account, actor, parsed.rest)
      case 'preview':
        return this.preview(account, actor, parsed.rest)
      case 'pause':
      case 'resume':
        return this.setStatus(account, actor, parsed.rest, parsed.verb)
      case 'approve':
        return this.approve(connection, actor, parsed.rest)
      case 'unlink':
        return this.unlink(connection, actor, parsed.rest)
    }
  }

  /** The same answer whether or not the e-mail is a user here: workspace members cannot probe for e-mails. */
  private async requestLink(connection: SlackConnection, caller: CommandCaller, email: string) {
    if (!/^\S+@\S+$/.test(email.trim()))
      return ephemeral(`Give your e-mail: \`${caller.command} link you@yourcompany.com\`.`)
    const result = await this.links.request(
      connection,
      caller.slackUserId,
      caller.slackUserName,
      email
    )
    if (!result.ok) return ephemeral(escape(result.reason))
    const current = await this.links.actorFor(connection, caller.slackUserId)
    await this.audit.record(
      this.audit.slackActor(connection, caller.slackUserId, current?.user ?? null),
      'slack.link_requested',
      {
        accountId: connection.accountId,
        details: {
          email: result.email,
          slackUserName: caller.slackUserName,
          isUser: result.user !== null,
        },
      }
    )
    return ephemeral(
      `Asked to link you to ${escape(result.email)}, if that is a user of this account. An owner or admin approves it with \`${caller.command} approve <@${caller.slackUserId}>\`; until then you cannot use the other commands.`
    )
  }

  private async approve(connection: SlackConnection, actor: SlackActor, who: string) {
    if (!who.trim()) return ephemeral('Whose request? `approve <@user>`.')
    const result = await this.links.approve(connection, actor, who.trim())
    if (!result.ok) {
      await this.auditLink(connection, actor, 'slack.link_refused', {
        asked: who.trim(),
        reason: result.reason,
      })
      return ephemeral(result.reason)
    }
    await this.auditLink(
      connection,
      actor,
      'slack.link_approved',
      linkDetails(result.link, result.user)
    )
    return ephemeral(
      `<@${result.link.slackUserId}> (${escape(result.link.slackUserName ?? 'no name')}, ${result.link.slackUserId}) is now linked to ${escape(result.user.email)} (${result.user.role}).`
    )
  }

  private async unlink(connection: SlackConnection, actor: SlackActor, who: string) {
    if (!who.trim()) return ephemeral('Whom? `unlink <@user>`.')
    const result = await this.links.unlink(connection, actor, who.trim())
    if (!result.ok) return ephemeral(result.reason)
    await this.auditLink(connection, actor, 'slack.unlinked', linkDetails(result.link, result.user))
    return ephemeral(
      `<@${result.link.slackUserId}> (${escape(result.link.slackUserName ?? 'no name')}, ${result.link.slackUserId}) is no longer linked to ${escape(result.user.email)}.`
    )
  }

  private async auditLink(
    connection: SlackConnection,
    actor: SlackActor,
    action: AuditAction,
    details: Record<string, unknown>
  ) {
    await this.audit.record(
      this.audit.slackActor(connection, actor.slackUserId, actor.user),
      action,
      { accountId: connection.accountId, details }
    )
  }

  /** A Slack action on a product (or one of its records), in the audit trail. */
  private async auditAction(
    actor: SlackActor,
    action: AuditAction,
    product: Product,
    record?: { kind: string; id: number; label: string | null }
  ) {
    await this.audit.record(
      this.audit.slackActor(actor.connection, actor.slackUserId, actor.user),
      action,
      { accountId: product.accountId, product, record: record ?? null }
    )
  }

  private async status(account: Account, words: string) {
    if (!words.trim()) {
      const summaries = await this.lookup.summaries(account)
      if (summaries.length === 0) return ephemeral(`${escape(account.name)} has no products yet.`)
      return ephemeral(summaries.map(statusText).join('\n\n'))
    }
    const found = await this.lookup.product(account, words)
    if (!found.ok) return ephemeral(found.reason)
    return ephemeral(statusText(await this.lookup.summary(found.product)))
  }

  private async resync(account: Account, actor: SlackActor, reference: string) {
    const found = await this.lookup.invoice(account, reference)
    if (!found.ok) return ephemeral(found.reason)
    const { invoice, product } = found
    const result = await this.records.apply('invoice', invoice, 'resync', actor.label)
    if (!result.ok) return ephemeral(result.reason)
    await this.auditAction(actor, 'record.resync', product, {
      kind: 'invoice',
      id: invoice.id,
      label: invoice.invoiceNumber,
    })
    await this.noteOnAlerts(
      invoice.id,
      `Resync requested by <@${actor.slackUserId}> (${actor.user.email})`
    )
    return ephemeral(
      `${invoice.documentLabel} ${escape(invoice.invoiceNumber ?? String(invoice.autotaskId))} (${escape(invoice.companyName ?? 'unknown company')}) in ${escape(product.name)} is Pending Sync again; ${escape(resyncOutcome('invoice', invoice))}`
    )
  }

  private async syncNow(account: Account, actor: SlackActor, words: string) {
    const found = await this.lookup.product(account, words)
    if (!found.ok) return ephemeral(found.reason)
    const result = await this.products.requestSync(found.product, account, actor.label)
    if (!result.ok) return ephemeral(result.reason)
    await this.auditAction(actor, 'product.sync_requested', found.product)
    return ephemeral(
      `Sync Now requested for ${escape(found.product.name)}; the engine starts at its next check (every 10 seconds).`
    )
  }

  /** "Preview next sync": the summary when it is ready within Slack's time, else where to see it. */
  private async preview(account: Account, actor: SlackActor, words: string) {
    const found = await this.lookup.product(account, words)
    if (!found.ok) return ephemeral(found.reason)
    const { product } = found
    const { preview, done } = await this.previews.start(product, actor.label)
    await this.auditAction(actor, 'product.previewed', product)
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, SLACK_PREVIEW_WAIT_MS))])
    await preview.refresh()
    const base = app.config.get<SlackConfig>('slack').appUrl.replace(/\/+$/, '')
    const page = `${base}/products/${product.id}/preview`
    if (preview.state === 'running')
      return ephemeral(
        `Previewing the next sync of ${escape(product.name)}: it takes a while. The result will be at ${page}`
      )
    if (preview.state === 'failed' || !preview.result)
      return ephemeral(
        `The preview of ${escape(product.name)} failed: ${escape(preview.error ?? '')}`
      )
    const errors = preview.result.records.filter((record) => record.outcome === 'error')
    return ephemeral(
      [
        `*Preview of the next sync of ${escape(product.name)}* (nothing was written to Xero)`,
        ...previewSummary(preview.result).map(escape),
        ...errors.slice(0, 10).map((record) => `• ${escape(previewRecordLine(record))}`),
        ...(errors.length > 10 ? [`…and ${errors.length - 10} more with errors.`] : []),
        `Every record and its Xero payload: ${page}`,
      ].join('\n')
    )
  }

  private async setStatus(
    account: Account,
    actor: SlackActor,
    words: string,
    verb: 'pause' | 'resume'
  ) {
    const found = await this.lookup.product(account, words)
    if (!found.ok) return ephemeral(found.reason)
    const wanted = verb === 'pause' ? 'paused' : 'active'
    if (found.product.status === wanted)
      return ephemeral(`${escape(found.product.name)} is already ${statusLabel(found.product)}.`)
    const product = await this.products.setStatus(found.product, wanted, actor.label)
    await this.auditAction(actor, verb === 'pause' ? 'product.paused' : 'product.resumed', product)
    return ephemeral(
      verb === 'pause'
        ? `${escape(product.name)} is Paused; the engine stops it at the next safe point.`
        : `${escape(product.name)} is Active; it syncs at its next tick.`
    )
  }

  /** Alerts listing this invoice show who acted; Slack is updated after the answer, never before it. */
  private async noteOnAlerts(invoiceId: number, outcome: string) {
    const touched = await this.alerts.recordOutcome('invoice', invoiceId, outcome)
    if (touched.length > 0) this.alerts.flushInBackground(touched.map((alert) => alert.id))
  }
}

function statusLabel(product: Product) {
  return product.isActive ? 'Active' : 'Paused'
}

function statusText(summary: ProductStatusSummary) {
  const { product, counts, lastRun, faults, faultCount, xeroWait } = summary
  const countText = recordStatuses
    .filter((status) => counts[status] > 0)
    .map((status) => `${counts[status]} ${recordStatusLabels[status]}`)
    .join(' · ')
  const lines = [
    `*${escape(product.name)}* — ${statusLabel(product)}`,
    `Invoices: ${countText || 'none yet'}`,
  ]
  if (xeroWait) lines.push(`:hourglass: ${xeroWait}`)
  if (lastRun) {
    const when = (lastRun.finishedAt ?? lastRun.startedAt)
      .toUTC()
      .toFormat("yyyy-LL-dd HH:mm 'UTC'")
    const stats = lastRun.stats
      ? ` (${syncedText(lastRun.stats)}, ${lastRun.stats.invoicesFaulted} faulted)`
      : ''
    lines.push(
      `Last run: #${lastRun.id} ${lastRun.state}, ${lastRun.finishedAt ? 'finished' : 'started'} ${when}${stats}`
    )
  } else {
    lines.push('Last run: none yet')
  }
  if (faultCount > 0) {
    lines.push(`Faults (${faultCount}):`)
    for (const invoice of faults) {
      lines.push(
        `• ${escape(invoice.invoiceNumber ?? String(invoice.autotaskId))} · ${escape(invoice.companyName ?? 'unknown company')} · ${invoice.currency} ${invoice.total.toFixed(2)} — ${escape(invoice.faultReason ?? 'no reason recorded')}`
      )
    }
    if (faultCount > faults.length)
      lines.push(`…and ${faultCount - faults.length} more in the dashboard.`)
  }
  return lines.join('\n')
}

function linkDetails(link: SlackUserLink, user: User) {
  return {
    slackUserId: link.slackUserId,
    slackUserName: link.slackUserName,
    email: user.email,
    role: user.role,
  }
}
