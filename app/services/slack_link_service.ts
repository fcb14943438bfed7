import { inject } from '@adonisjs/core'
import type Account from '#models/account'
import type SlackConnection from '#models/slack_connection'
import SlackUserLink from '#models/slack_user_link'
import User from '#models/user'
import { Clock } from '#sync/clock'

/** Who a Slack user speaks for, once linked. */
export interface SlackActor {
  user: User
  slackUserId: string
  /** how the sync log names them: `slack:U123 (alice@example.com)` */
  label: string
}

export type SlackLinkResult =
  { ok: true; link: SlackUserLink; user: User } | { ok: false; reason: string }

/**
 * Slack users ↔ app users. A Slack user asks with `/toolbox link <e-mail>`; an
 * owner or admin of the account approves with `/toolbox approve <e-mail>` (or the
 * operator links directly with `node ace slack:link`). Only approved links act.
 */
@inject()
export default class SlackLinkService {
  constructor(protected clock: Clock) {}

  /** The app user an approved link gives this Slack user, within the installation's account only. */
  async actorFor(connection: SlackConnection, slackUserId: string): Promise<SlackActor | null> {
    const link = await SlackUserLink.query()
      .where('slack_connection_id', connection.id)
      .where('slack_user_id', slackUserId)
      .where('status', 'active')
      .preload('user')
      .first()
    if (!link || link.user.accountId !== connection.accountId) return null
    return { user: link.user, slackUserId, label: actorLabel(slackUserId, link.user) }
  }

  /** A Slack user asks to act as the app user with this e-mail; nothing is granted until approval. */
  async request(
    connection: SlackConnection,
    slackUserId: string,
    slackUserName: string | null,
    email: string
  ) {
    const user = await this.userOf(connection.accountId, email)
    if (!user)
      return {
        ok: false as const,
        reason: `No user with e-mail ${email.trim().toLowerCase()} in this account.`,
      }
    const existing = await SlackUserLink.query()
      .where('slack_connection_id', connection.id)
      .where('slack_user_id', slackUserId)
      .first()
    if (existing?.status === 'active' && existing.userId === user.id) {
      return { ok: false as const, reason: `You are already linked to ${user.email}.` }
    }
    const link = existing ?? new SlackUserLink()
    link.merge({
      slackConnectionId: connection.id,
      slackUserId,
      slackUserName,
      userId: user.id,
      status: 'pending',
      approvedBy: null,
      approvedAt: null,
    })
    await link.save()
    return { ok: true as const, link, user }
  }

  /** An owner or admin approves the pending request made for this e-mail (or Slack user id). */
  async approve(
    connection: SlackConnection,
    approver: SlackActor,
    who: string
  ): Promise<SlackLinkResult> {
    if (!approver.user.canAct)
      return { ok: false, reason: 'Only an owner or admin can approve links.' }
    const slackUserId = who.replace(/^<@([A-Z0-9]+)(\|[^>]*)?>$/, '$1')
    const query = SlackUserLink.query()
      .where('slack_connection_id', connection.id)
      .where('status', 'pending')
      .preload('user')
    const pending = await query
    const link = pending.find(
      (candidate) =>
        candidate.user.email === who.trim().toLowerCase() || candidate.slackUserId === slackUserId
    )
    if (!link) return { ok: false, reason: `No pending link request for ${who}.` }
    link.merge({ status: 'active', approvedBy: approver.label, approvedAt: this.clock.now() })
    await link.save()
    return { ok: true, link, user: link.user }
  }

  /** The operator links a Slack user directly (console), replacing any earlier link of that Slack user. */
  async linkDirectly(
    connection: SlackConnection,
    account: Account,
    email: string,
    slackUserId: string,
    by: string
  ) {
    const user = await this.userOf(account.id, email)
    if (!user)
      return {
        ok: false as const,
        reason: `No user with e-mail ${email.trim().toLowerCase()} in ${account.name}.`,
      }
    const link = await SlackUserLink.updateOrCreate(
      { slackConnectionId: connection.id, slackUserId },
      { userId: user.id, status: 'active', approvedBy: by, approvedAt: this.clock.now() }
    )
    return { ok: true as const, link, user }
  }

  /** The first approved link of an installation (the demo signs requests as this Slack user). */
  async firstActive(connection: SlackConnection) {
    return SlackUserLink.query()
      .where('slack_connection_id', connection.id)
      .where('status', 'active')
      .orderBy('id')
      .first()
  }

  private async userOf(accountId: number, email: string) {
    return User.query()
      .where('account_id', accountId)
      .where('email', email.trim().toLowerCase())
      .first()
  }
}

export function actorLabel(slackUserId: string, user: User) {
  return `slack:${slackUserId} (${user.email})`
}
