import env from '#start/env'

/** How the Slack bot reaches Slack and how it paces alerts; the API URL can point at the sandbox (PRODUCT.md §7). */
export interface SlackConfig {
  /** what the WebClient takes as `slackApiUrl` (trailing slash) */
  apiUrl: string
  timeoutMs: number
  /** where "Open in dashboard" links point */
  appUrl: string
  /** seconds a run's first fault waits for others before its alert is posted (a run's end posts at once) */
  debounceSeconds: number
  /** new alert messages per channel per minute, at most */
  maxMessagesPerMinute: number
  /** an alert Slack keeps refusing is dropped (with a log line) this long after it was queued */
  dropAfterMinutes: number
  /** the longest wait between two attempts */
  maxBackoffSeconds: number
  /** a request older (or newer) than this is refused, and its signature is remembered this long */
  requestMaxAgeSeconds: number
  /** Socket Mode: the app-level token (xapp-, connections:write); unset means HTTP mode only */
  appToken: string | null
}

const slackConfig: SlackConfig = {
  apiUrl: env.get('SLACK_API_URL', 'https://slack.com/api/'),
  timeoutMs: env.get('SLACK_TIMEOUT_MS', 10_000),
  appUrl: env.get('APP_URL', 'http://localhost:3333'),
  debounceSeconds: env.get('SLACK_ALERT_DEBOUNCE_SECONDS', 10),
  maxMessagesPerMinute: env.get('SLACK_ALERTS_PER_MINUTE', 3),
  dropAfterMinutes: env.get('SLACK_ALERT_DROP_AFTER_MINUTES', 60),
  maxBackoffSeconds: 600,
  requestMaxAgeSeconds: 300,
  appToken: env.get('SLACK_APP_TOKEN') ?? null,
}

export default slackConfig
