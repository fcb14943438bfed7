import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import { recordStatuses } from '#enums/record_status'

/** Query string of the invoice and purchase-order grids (and their exports). */
export const recordFiltersValidator = vine.compile(
  vine.object({
    q: vine.string().trim().maxLength(100).optional(),
    status: vine.enum(recordStatuses).optional(),
    before: vine.number().withoutDecimals().min(1).optional(),
    after: vine.number().withoutDecimals().min(0).optional(),
  })
)

/** Query string of the Sync Logs tab. */
export const logFiltersValidator = vine.compile(
  vine.object({
    q: vine.string().trim().maxLength(100).optional(),
    autotaskId: vine.number().withoutDecimals().min(0).optional(),
    from: vine.date({ formats: ['YYYY-MM-DD'] }).optional(),
    to: vine
      .date({ formats: ['YYYY-MM-DD'] })
      .afterOrSameAs('from')
      .optional(),
    level: vine.enum(['debug', 'info', 'warn', 'error'] as const).optional(),
    before: vine.number().withoutDecimals().min(1).optional(),
  })
)

/** A search form sends its empty fields too (`status=`); they mean "any", not an invalid value. */
export function filledQuery(qs: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(qs).filter(([, value]) => value !== '' && value !== null)
  )
}

/** Words a person understands when a hand-edited or stale URL fails (answered with 422). */
const queryMessages = new SimpleMessagesProvider({
  'q.maxLength': 'A search can be at most {{ max }} characters long.',
  'number':
    'This page link is not valid: its {{ field }} must be a whole number. Start again from the first page.',
  'min':
    'This page link is not valid: its {{ field }} must be at least {{ min }}. Start again from the first page.',
  'withoutDecimals':
    'This page link is not valid: its {{ field }} must be a whole number. Start again from the first page.',
})
recordFiltersValidator.messagesProvider = queryMessages
logFiltersValidator.messagesProvider = queryMessages
