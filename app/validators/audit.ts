import vine from '@vinejs/vine'
import { auditActions } from '#services/audit_service'

const DATE = /^\d{4}-\d{2}-\d{2}$/

/** Query string of the Audit page and its exports: person, action, product, date range, cursor. */
export const auditFiltersValidator = vine.compile(
  vine.object({
    person: vine.string().trim().maxLength(320).optional(),
    action: vine.enum(Object.keys(auditActions) as (keyof typeof auditActions)[]).optional(),
    productId: vine.number().withoutDecimals().min(1).optional(),
    from: vine.string().regex(DATE).optional(),
    to: vine.string().regex(DATE).optional(),
    before: vine.number().withoutDecimals().min(1).optional(),
  })
)
