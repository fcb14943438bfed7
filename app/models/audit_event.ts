import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { jsonColumn } from '#models/columns'

export type AuditFace = 'web' | 'slack' | 'console'

/** A value before and after a change (secrets already masked). */
interface AuditChange {
  from: unknown
  to: unknown
}

/** Anything else worth keeping about an action: changes (old → new), an e-mail, a role, a reason. */
export type AuditDetails = Record<string, unknown> & { changes?: Record<string, AuditChange> }

/**
 * One line of the audit trail. Append-only: a row is created once and never
 * changed or deleted through the model (retention prunes with one query in AuditService).
 */
export default class AuditEvent extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare accountId: number | null

  @column.dateTime()
  declare occurredAt: DateTime

  @column()
  declare face: AuditFace

  @column()
  declare action: string

  @column()
  declare actorUserId: number | null

  @column()
  declare actorLabel: string

  @column()
  declare ip: string | null

  @column()
  declare host: string | null

  @column()
  declare slackTeamId: string | null

  @column()
  declare slackUserId: string | null

  @column()
  declare productId: number | null

  @column()
  declare productName: string | null

  @column()
  declare recordKind: string | null

  @column()
  declare recordId: number | null

  @column()
  declare recordLabel: string | null

  @jsonColumn()
  declare details: AuditDetails | null

  /** Inserting is the only write: a persisted row refuses to save again. */
  async save() {
    if (this.$isPersisted) throw new Error('Audit events are append-only; they cannot be changed.')
    return super.save()
  }

  async delete(): Promise<void> {
    throw new Error('Audit events are append-only; retention prunes them, nothing else.')
  }
}
