/*
| The body of a request as the sandboxes' request logs keep it: parsed JSON or
| form fields when they parse, the text as sent when they do not, with every
| secret (client secrets, tokens, authorization codes, passwords) masked.
*/

export const MASK = '[masked]'

/** JSON keys whose values are secrets wherever they appear. */
const SECRET_KEY = /secret|password|token/i

/** OAuth form fields (RFC 6749 §4.1.3, §6; RFC 7636 §4.5; RFC 7009 §2.1) that are secrets. */
const SECRET_FORM_FIELD = /secret|password|token|^code$|^code_verifier$|^assertion$/i

function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJson)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) && inner !== null ? MASK : maskJson(inner),
    ])
  )
}

function maskForm(raw: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(raw))
    fields[key] = SECRET_FORM_FIELD.test(key) ? MASK : value
  return fields
}

/** What a request log keeps of a body: null when empty. */
export function loggedBody(raw: string, contentType: string | undefined): unknown {
  if (raw.trim() === '') return null
  if (
    String(contentType ?? '')
      .toLowerCase()
      .startsWith('application/x-www-form-urlencoded')
  )
    return maskForm(raw)
  try {
    return maskJson(JSON.parse(raw))
  } catch {
    // A form sent under another content type still has its secrets masked.
    return /^[^\s{[=&]+=[^\s]*$/.test(raw.trim()) ? maskForm(raw) : raw
  }
}
