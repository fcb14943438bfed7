import { hostname, userInfo } from 'node:os'
import { likePattern } from '#sync/text'
import { inject } from '@adonisjs/core'
import app from '@adonisjs/core/services/app'
import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import AuditEvent, { type AuditDetails, type AuditFace } from '#models/audit_event'
import type SlackConnection from '#models/slack_connection'
import User from '#models/user'
import { toSqlDateTime } from '#models/columns'
import { Clock } from '#sync/clock'
import type { AuditConfig } from '#config/audit'

/** Every action the audit trail knows, with the words the Audit page shows. */
export const auditActions = {
  'product.created': 'Product created',
  'product.paused': 'Product paused',
  'product.resumed': 'Product resumed',
  'product.sync_requested': 'Sync Now',
  'product.previewed': 'Preview next sync',
  'product.autotask_connected': 'Autotask connected',
  'product.xero_connected': 'Xero connected',
  'product.settings_changed': 'Settings changed',
  'product.mappings_changed': 'Mappings changed',
  'contact.linked': 'Xero contact linked',
  'contact.created': 'Xero contact created',
  'record.resync': 'Resync',
  'record.skip': 'Skip',
  'record.unskip': 'Unskip',
  'record.diagnose': 'Diagnostic run',
  'record.release': 'Diagnostic released',
  'user.added': 'User added',
  'user.role_changed': 'Role changed',
  'session.sign_in_failed': 'Sign-in failed',
  'user.removed': 'User removed',
  'user.password_changed': 'Password changed',
  'user.two_factor_enrolled': 'Two-factor sign-in turned on',
  'user.two_factor_reset': 'Second factor reset',
  'user.recovery_codes_renewed': 'Recovery codes renewed',
  'user.sessions_ended': 'Own sessions signed out',
  'account.two_factor_policy': 'Two-factor requirement changed',
  'staff.switched_in': 'Staff switched into the account',
  'staff.left': 'Staff left the account',
  'slack.connected': 'Slack connected',
  'slack.link_requested': 'Slack link requested',
  'slack.link_approved': 'Slack link approved',
  'slack.link_refused': 'Slack link approval refused',
  'slack.unlinked': 'Slack user unlinked',
} as const

export type AuditAction = keyof typeof auditActions

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === 'string' && Object.hasOwn(auditActions, value)
}

/** Who acted and from where, whatever the face. */
export interface AuditActor {
  face: AuditFace
  userId: number | null
  /** an e-mail, `slack:U123 (alice@example.com)`, or `console@host (osuser)` */
  label: string
  ip?: string | null
  host?: string | null
  slackTeamId?: string | null
  slackUserId?: string | null
}

/** What an action was about: the account it belongs to, and the product or record if any. */
export interface AuditTarget {
  accountId: number | null
  product?: { id: number; name: string } | null
  record?: { kind: string; id: number; label: string | null } | null
  details?: AuditDetails | null
}

export interface AuditFilters {
  person?: string
  action?: string
  productId?: number
  from?: string
  to?: string
  before?: number
}

const AUDIT_PAGE_SIZE = 100
const EXPORT_CHUNK = 500
const MASK = '••••••'
/** Names of values that are never written in clear: passwords, secrets, tokens, the Autotask integration code. */
const SECRET_KEY = /pass(word)?|secret|token|integration_?code|api_?key|client_?secret/i

/**
 * The audit trail: one place every face writes to (web controllers, Slack
 * handlers, Ace commands) and the Audit page reads from. Secrets are masked
 * on the way in, so no later reader can show one.
 */
@inject()
export default class AuditService {
  constructor(protected clock: Clock) {}

  async record(actor: AuditActor, action: AuditAction, target: AuditTarget) {
    return AuditEvent.create({
      accountId: target.accountId,
      occurredAt: this.clock.now().toUTC(),
      face: actor.face,
      action,
      actorUserId: actor.userId,
      actorLabel: actor.label.slice(0, 320),
      ip: actor.ip ?? null,
      host: actor.host ?? null,
      slackTeamId: actor.slackTeamId ?? null,
      slackUserId: actor.slackUserId ?? null,
      productId: target.product?.id ?? null,
      productName: target.product?.name ?? null,
      recordKind: target.record?.kind ?? null,
      recordId: target.record?.id ?? null,
      recordLabel: target.record?.label ?? null,
      details: target.details ? (maskSecrets(target.details) as AuditDetails) : null,
    })
  }

  /** The signed-in person (a staff member is marked as such when acting in another account) and their address. */
  webActor(ctx: HttpContext): AuditActor {
    const user = ctx.auth.user ?? null
    const visiting = user?.isStaff && ctx.account && user.accountId !== ctx.account.id
    return {
      face: 'web',
      userId: user?.id ?? null,
      label: user ? `${user.email}${visiting ? ' (staff)' : ''}` : 'signed out',
      ip: ctx.request.ip(),
    }
  }

  /** A Slack user of an installation, with the app user it is linked to when there is one. */
  slackActor(connection: SlackConnection, slackUserId: string, user: User | null): AuditActor {
    return {
      face: 'slack',
      userId: user?.id ?? null,
      label: `slack:${slackUserId} (${user ? user.email : 'not linked'})`,
      slackTeamId: connection.teamId,
      slackUserId,
    }
  }

  /** Whoever runs an Ace command: the machine and its operating-system user. */
  consoleActor(): AuditActor {
    const host = hostname()
    let osUser = 'unknown'
    try {
      osUser = userInfo().username
    } catch {}
    return { face: 'console', userId: null, label: `console@${host} (${osUser})`, host }
  }

  /** A failed sign-in step, filed under the account of the e-mail tried when it belongs to one. */
  async signInFailed(failure: { email: string; ip: string; step: string; reason: string }) {
    const email = failure.email.trim().toLowerCase()
    const user = await User.findBy('email', email)
    const actor: AuditActor = { face: 'web', userId: null, label: 'signed out', ip: failure.ip }
    const why =
      failure.reason === 'throttled'
        ? 'throttled'
        : failure.reason === 'replayed'
          ? 'code already used'
          : failure.step === 'password'
            ? 'wrong password'
            : 'wrong code'
    return this.record(actor, 'session.sign_in_failed', {
      accountId: user?.accountId ?? null,
      details: { email, step: failure.step, why },
    })
  }

  /** The person a web event names (by id), marked as staff when acting in another account. */
  async webActorOf(userId: number, ip: string, accountId: number | null): Promise<AuditActor> {
    const user = await User.find(userId)
    const visiting = user?.isStaff && accountId !== null && user.accountId !== accountId
    return {
      face: 'web',
      userId: user?.id ?? null,
      label: user ? `${user.email}${visiting ? ' (staff)' : ''}` : `user #${userId}`,
      ip,
    }
  }

  /**
   * One page of an account's trail (or every account's for staff: `accountId` null), newest
   * first, with the names of the accounts on it (staff read names, not ids).
   */
  async page(accountId: number | null, filters: AuditFilters) {
    const rows = await this.query(accountId, filters)
      .orderBy('id', 'desc')
      .limit(AUDIT_PAGE_SIZE + 1)
    const more = rows.length > AUDIT_PAGE_SIZE
    rows.length = Math.min(rows.length, AUDIT_PAGE_SIZE)
    const ids = [...new Set(rows.map((row) => row.accountId).filter((id) => id !== null))]
    const accounts = ids.length
      ? await db.from('accounts').whereIn('id', ids).select('id', 'name')
      : []
    return {
      events: rows,
      accountNames: Object.fromEntries(accounts.map((row) => [Number(row.id), String(row.name)])),
      nextBefore: more ? rows[rows.length - 1].id : null,
    }
  }

  /** Every matching row for an export, read in chunks so a large trail is never held at once. */
  async *stream(accountId: number | null, filters: AuditFilters): AsyncGenerator<AuditEvent> {
    let before = filters.before
    while (true) {
      const chunk = await this.query(accountId, { ...filters, before })
        .orderBy('id', 'desc')
        .limit(EXPORT_CHUNK)
      yield* chunk
      if (chunk.length < EXPORT_CHUNK) return
      before = chunk[chunk.length - 1].id
    }
  }

  /** The people and products the filters offer: those seen in this trail. */
  async filterChoices(accountId: number | null) {
    const base = () => {
      const query = db.from('audit_events')
      if (accountId !== null) query.where('account_id', accountId)
      return query
    }
    const people = await base().distinct('actor_label').orderBy('actor_label').limit(500)
    const products = await base()
      .whereNotNull('product_id')
      .distinct('product_id', 'product_name')
      .orderBy('product_name')
      .limit(500)
    return {
      people: people.map((row) => String(row.actor_label)),
      products: products.map((row) => ({
        id: Number(row.product_id),
        name: String(row.product_name),
      })),
    }
  }

  /** Retention: rows older than the configured days go (the scheduler calls this daily). */
  async prune(days = app.config.get<AuditConfig>('audit').retentionDays) {
    const cutoff = this.clock.now().minus({ days })
    const deleted = await db
      .from('audit_events')
      .where('occurred_at', '<', toSqlDateTime(cutoff))
      .delete()
    return { cutoff, deleted: Number(Array.isArray(deleted) ? deleted[0] : deleted) }
  }

  private query(accountId: number | null, filters: AuditFilters) {
    const query = AuditEvent.query()
    if (accountId !== null) query.where('account_id', accountId)
    // Typed words find a person however their label reads ("alice" finds "Alice <alice@…>").
    if (filters.person)
      query.whereRaw(`LOWER(actor_label) LIKE ? ESCAPE '!'`, [
        likePattern(filters.person.toLowerCase(), 'anywhere'),
      ])
    if (filters.action) query.where('action', filters.action)
    if (filters.productId) query.where('product_id', filters.productId)
    if (filters.from) query.where('occurred_at', '>=', filters.from + ' 00:00:00')
    if (filters.to) {
      const next = DateTime.fromISO(filters.to, { zone: 'utc' }).plus({ days: 1 })
      query.where('occurred_at', '<', toSqlDateTime(next))
    }
    if (filters.before) query.where('id', '<', filters.before)
    return query
  }
}

/** Values under secret-looking names become a mask (old → new stays visible as "changed"). */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key)) {
    if (value && typeof value === 'object' && 'from' in value && 'to' in value)
      return { from: value.from ? MASK : null, to: value.to ? MASK : null }
    return value === null || value === undefined || value === '' ? value : MASK
  }
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item))
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, inner]) => [name, maskSecrets(inner, name)])
    )
  }
  return value
}

/** Old → new for each key that differs, as the audit trail keeps it. */
export function changesOf<T extends object>(before: T, after: T) {
  const changes: Record<string, { from: unknown; to: unknown }> = {}
  for (const key of Object.keys(after) as (keyof T & string)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changes[key] = { from: before[key] ?? null, to: after[key] ?? null }
  }
  return changes
}

/**
 * The one line a web controller adds after an action: the signed-in person,
 * their address, the account they act in, and what the action was about.
 */
export async function auditWeb(
  ctx: HttpContext,
  action: AuditAction,
  target: Omit<AuditTarget, 'accountId'> & { accountId?: number | null } = {}
) {
  const audit = await ctx.containerResolver.make(AuditService)
  return audit.record(audit.webActor(ctx), action, {
    accountId: ctx.account?.id ?? null,
    ...target,
  })
}

/** The one line an Ace command adds after an action a person ran from the console. */
export async function auditConsole(action: AuditAction, target: AuditTarget) {
  const audit = await app.container.make(AuditService)
  return audit.record(audit.consoleActor(), action, target)
}
