import { inject } from '@adonisjs/core'
import type Account from '#models/account'
import type SlackConnection from '#models/slack_connection'
import SlackUserLink from '#models/slack_user_link'
import User from '#models/user'
import { Clock } from '#sync/clock'
import { escape } from '#integrations/slack/messages'

/** Who a Slack user speaks for, once linked. */
export interface SlackActor {
  user: User
  slackUserId: string
  /** the installation (workspace) they spoke from */
  connection: SlackConnection
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
    return { user: link.user, slackUserId, connection, label: actorLabel(slackUserId, link.user) }
  }

  /**
   * A Slack user asks to act as the app user with this e-mail; nothing is granted until approval.
   * The caller is told the same whether or not the e-mail is a user (no probing for e-mails):
   * `user` is null when it is not, and nothing is stored then.
   */
  async request(
    connection: SlackConnection,
    slackUserId: string,
    slackUserName: string | null,
    email: string
  ): Promise<
    | { ok: true; email: string; link: SlackUserLink | null; user: User | null }
    | { ok: false; reason: string }
  > {
    const wanted = email.trim().toLowerCase()
    const user = await this.userOf(connection.accountId, wanted)
    const existing = await SlackUserLink.query()
      .where('slack_connection_id', connection.id)
      .where('slack_user_id', slackUserId)
      .first()
    if (user && existing?.status === 'active' && existing.userId === user.id) {
      return { ok: false, reason: `You are already linked to ${user.email}.` }
    }
    if (!user) return { ok: true, email: wanted, link: null, user: null }
    // One row per Slack user and installation: a new request replaces an earlier request or link.
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
    return { ok: true, email: wanted, link, user }
  }

  /**
   * An owner or admin approves one Slack user's pending request, named by Slack
   * user (`<@U123>` or `U123`). An e-mail approves nothing: the answer lists who
   * asked for it, by name and id. Two pending requests for one e-mail are refused
   * until one is removed with `unlink`: the approver must not guess which is real.
   */
  async approve(
    connection: SlackConnection,
    approver: SlackActor,
    who: string
  ): Promise<SlackLinkResult> {
    if (!approver.user.canAct)
      return { ok: false, reason: 'Only an owner or admin can approve links.' }
    const pending = await SlackUserLink.query()
      .where('slack_connection_id', connection.id)
      .where('status', 'pending')
      .preload('user')
      .orderBy('id')
    const slackUserId = slackUserIdOf(who)
    if (!slackUserId) {
      const email = who.trim().toLowerCase()
      const asking = pending.filter((candidate) => candidate.user.email === email)
      if (asking.length === 0) return { ok: false, reason: `No pending link request for ${email}.` }
      if (asking.length > 1) return { ok: false, reason: ambiguity(email, asking) }
      return {
        ok: false,
        reason: `${describe(asking[0])} asked to be ${email}. Approve that Slack user, not the e-mail: \`approve <@${asking[0].slackUserId}>\`.`,
      }
    }
    const link = pending.find((candidate) => candidate.slackUserId === slackUserId)
    if (!link) return { ok: false, reason: `No pending link request from <@${slackUserId}>.` }
    const rivals = pending.filter((candidate) => candidate.userId === link.userId)
    if (rivals.length > 1) return { ok: false, reason: ambiguity(link.user.email, rivals) }
    link.merge({ status: 'active', approvedBy: approver.label, approvedAt: this.clock.now() })
    await link.save()
    return { ok: true, link, user: link.user }
  }

  /** An owner or admin removes a Slack user's link or pending request; that Slack user can no longer act. */
  async unlink(
    connection: SlackConnection,
    approver: SlackActor,
    who: string
  ): Promise<SlackLinkResult> {
    if (!approver.user.canAct) return { ok: false, reason: 'Only an owner or admin can unlink.' }
    const slackUserId = slackUserIdOf(who)
    if (!slackUserId)
      return { ok: false, reason: 'Whom? `unlink <@user>` (a Slack user, not an e-mail).' }
    const link = await SlackUserLink.query()
      .where('slack_connection_id', connection.id)
      .where('slack_user_id', slackUserId)
      .preload('user')
      .first()
    if (!link)
      return { ok: false, reason: `<@${slackUserId}> is not linked and asked for nothing.` }
    await SlackUserLink.query().where('id', link.id).delete()
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

/** A Slack user named as Slack escapes a mention (`<@U123|name>`), or a bare id (`U123`); null for anything else. */
export function slackUserIdOf(who: string) {
  const match = who.trim().match(/^(?:<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|@?([UW][A-Z0-9]{2,}))$/)
  return match ? (match[1] ?? match[2]) : null
}

/** "<@U123> (alice, U123)": how an approver tells two Slack users apart. */
function describe(link: SlackUserLink) {
  return `<@${link.slackUserId}> (${escape(link.slackUserName ?? 'no name')}, ${link.slackUserId})`
}

function ambiguity(email: string, links: SlackUserLink[]) {
  return `${links.length} Slack users asked to be ${escape(email)}: ${links.map(describe).join(', ')}. I approve none while two requests name one e-mail; remove the wrong one with \`unlink <@user>\`, then approve the other.`
}
