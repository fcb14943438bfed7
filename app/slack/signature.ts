import { createHmac } from 'node:crypto'

/**
 * Slack's request signature: `v0=` HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the signing secret.
 * Only signing lives here (tests, `node ace slack:sign`); checking is Bolt's `isValidSlackRequest`.
 */
export function signSlackRequest(
  signingSecret: string,
  timestamp: number | string,
  rawBody: string
) {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`
}

/** The headers Slack would send with this body, for tests and `node ace slack:sign`. */
export function slackSignatureHeaders(
  signingSecret: string,
  rawBody: string,
  timestamp = Math.floor(Date.now() / 1000)
) {
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signSlackRequest(signingSecret, timestamp, rawBody),
  }
}
