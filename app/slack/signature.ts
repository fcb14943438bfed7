import { createHmac, timingSafeEqual } from 'node:crypto'

/** Slack's request signature: `v0=` HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the signing secret. */
export function signSlackRequest(signingSecret: string, timestamp: number | string, rawBody: string) {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`
}

/** Constant-time comparison of a received signature with the one this secret gives. */
export function signatureMatches(signingSecret: string, timestamp: string, rawBody: string, signature: string) {
  const expected = Buffer.from(signSlackRequest(signingSecret, timestamp, rawBody))
  const received = Buffer.from(signature)
  return expected.length === received.length && timingSafeEqual(expected, received)
}

/** The headers Slack would send with this body, for tests and `node ace slack:sign`. */
export function slackSignatureHeaders(signingSecret: string, rawBody: string, timestamp = Math.floor(Date.now() / 1000)) {
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signSlackRequest(signingSecret, timestamp, rawBody),
  }
}
