import { inject } from '@adonisjs/core'
import { isRecordKind, recordKinds, type RecordKind } from '#sync/record_kinds'
import type SlackConnection from '#models/slack_connection'
import ProductService from '#services/product_service'
import AccountService from '#services/account_service'
import RecordListService from '#services/record_list_service'
import RecordStatusService from '#services/record_status_service'
import SlackAlertService from '#services/slack_alert_service'
import SlackLinkService from '#services/slack_link_service'
import { ACTION_RESYNC, ACTION_SKIP, escape } from '#integrations/slack/messages'
import AuditService from '#services/audit_service'
import ProductPolicy from '#policies/product_policy'
import { bouncerFor } from '#policies/bouncer_for'

/** A click on an alert's Resync or Skip button. */
export interface ButtonClick {
  slackUserId: string
  actionId: string
  value: string | undefined
}

/** What the clicker is told privately, if anything (the alert itself shows successes). */
export type ButtonAnswer = { ephemeral: string | null }

/**
 * The button face: the same checks as `/toolbox resync` (linked, allowed, the
 * record belongs to this installation's account), one status move, then the
 * alert message is updated to show who did what.
 */
@inject()
export default class SlackActionHandler {
  constructor(
    protected links: SlackLinkService,
    protected accounts: AccountService,
    protected products: ProductService,
    protected records: RecordListService,
    protected statuses: RecordStatusService,
    protected alerts: SlackAlertService,
    protected audit: AuditService
  ) {}

  async handle(connection: SlackConnection, click: ButtonClick): Promise<ButtonAnswer> {
    const action =
      click.actionId === ACTION_RESYNC ? 'resync' : click.actionId === ACTION_SKIP ? 'skip' : null
    if (!action) return { ephemeral: null }
    const target = parseValue(click.value)
    if (!target)
      return {
        ephemeral: 'I could not read that button; open the invoice in the dashboard instead.',
      }

    const actor = await this.links.actorFor(connection, click.slackUserId)
    if (!actor) {
      return {
        ephemeral:
          'Your Slack user is not linked to an Accounting Toolbox user yet. Type `/toolbox link you@yourcompany.com` and ask an owner or admin to approve it.',
      }
    }
    const account = await this.accounts.findOrFail(connection.accountId)
    if (await bouncerFor(actor.user).with(ProductPolicy).denies('actInAccount', account)) {
      return {
        ephemeral: `You are linked to ${escape(actor.user.email)}, a viewer: owners and admins can ${action} invoices.`,
      }
    }

    const product = await this.products.findForAccount(account, target.productId).catch(() => null)
    const record = product
      ? await this.records.find(target.kind, product, target.recordId).catch(() => null)
      : null
    if (!record)
      return {
        ephemeral: `That ${recordKinds[target.kind].label} is not in ${escape(account.name)}.`,
      }

    const result = await this.statuses.apply(target.kind, record, action, actor.label)
    if (!result.ok) return { ephemeral: result.reason }
    await this.audit.record(
      this.audit.slackActor(connection, actor.slackUserId, actor.user),
      `record.${action}`,
      {
        accountId: account.id,
        product,
        record: {
          kind: target.kind,
          id: record.id,
          label: recordKinds[target.kind].numberOf(record),
        },
      }
    )
    const did = action === 'resync' ? 'Resync requested' : 'Skipped'
    const touched = await this.alerts.recordOutcome(
      target.kind,
      record.id,
      `${did} by <@${actor.slackUserId}> (${actor.user.email})`
    )
    await this.alerts.flush(touched.map((alert) => alert.id))
    return { ephemeral: null }
  }
}

function parseValue(
  value: string | undefined
): { kind: RecordKind; recordId: number; productId: number } | null {
  try {
    const parsed = JSON.parse(value ?? '') as {
      kind?: unknown
      recordId?: unknown
      productId?: unknown
    }
    if (
      isRecordKind(parsed.kind) &&
      Number.isInteger(parsed.recordId) &&
      Number.isInteger(parsed.productId)
    ) {
      return {
        kind: parsed.kind,
        recordId: parsed.recordId as number,
        productId: parsed.productId as number,
      }
    }
    return null
  } catch {
    return null
  }
}
