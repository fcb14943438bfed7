import app from '@adonisjs/core/services/app'
import { LogLevel, webApi } from '@slack/bolt'
import type { SlackConfig } from '#config/slack'

/** Options every WebClient of the app gets: the configured API URL, no retries of its own (the outbox retries). */
export function slackClientOptions() {
  const config = app.config.get<SlackConfig>('slack')
  return {
    slackApiUrl: config.apiUrl,
    timeout: config.timeoutMs,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  }
}

/** A Web API client for one bot token. */
export function slackClient(botToken: string) {
  return new webApi.WebClient(botToken, slackClientOptions())
}

/** A Slack failure in plain words, with how long Slack asked us to wait when it rate-limited us. */
export interface SlackFailure {
  message: string
  retryAfterSeconds: number | null
}

/** Turns the WebClient's errors into one shape (the client boundary). */
export function slackFailure(error: unknown): SlackFailure {
  const failure = error as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number; message?: string }
  switch (failure.code) {
    case webApi.ErrorCode.RateLimitedError:
      return { message: 'Slack rate-limited the call', retryAfterSeconds: failure.retryAfter ?? null }
    case webApi.ErrorCode.PlatformError:
      return { message: `Slack refused the call: ${failure.data?.error ?? 'unknown error'}`, retryAfterSeconds: null }
    case webApi.ErrorCode.HTTPError:
      return { message: `Slack answered HTTP ${failure.statusCode}`, retryAfterSeconds: null }
    case webApi.ErrorCode.RequestError:
      return { message: 'Slack could not be reached', retryAfterSeconds: null }
    default:
      return { message: failure.message ?? String(error), retryAfterSeconds: null }
  }
}
