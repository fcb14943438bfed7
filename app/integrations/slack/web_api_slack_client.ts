import app from '@adonisjs/core/services/app'
import { LogLevel, webApi } from '@slack/bolt'
import type { SlackConfig } from '#config/slack'
import {
  SlackClient,
  SlackError,
  type PostedMessage,
  type SlackIdentity,
  type SlackMessage,
} from '#integrations/slack/slack_client'

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

/** Turns the WebClient's errors into ours (the client boundary). */
function slackError(error: unknown): SlackError {
  const failure = error as {
    code?: string
    retryAfter?: number
    data?: { error?: string }
    statusCode?: number
    message?: string
  }
  switch (failure.code) {
    case webApi.ErrorCode.RateLimitedError:
      return new SlackError('Slack rate-limited the call', failure.retryAfter ?? null)
    case webApi.ErrorCode.PlatformError:
      return new SlackError(`Slack refused the call: ${failure.data?.error ?? 'unknown error'}`)
    case webApi.ErrorCode.HTTPError:
      return new SlackError(`Slack answered HTTP ${failure.statusCode}`)
    case webApi.ErrorCode.RequestError:
      return new SlackError('Slack could not be reached')
    default:
      return new SlackError(failure.message ?? String(error))
  }
}

/** The Slack contract on @slack/web-api; options are read per call, so a changed API URL takes effect at once. */
export class WebApiSlackClient extends SlackClient {
  async identify(botToken: string): Promise<SlackIdentity> {
    try {
      const identity = await this.client(botToken).auth.test()
      return {
        teamId: String(identity.team_id),
        teamName: identity.team ?? null,
        botUserId: identity.user_id ?? null,
        botId: identity.bot_id ?? null,
      }
    } catch (error) {
      throw slackError(error)
    }
  }

  async postMessage(
    botToken: string,
    channel: string,
    message: SlackMessage
  ): Promise<PostedMessage> {
    try {
      const answer = await this.client(botToken).chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks as any,
        unfurl_links: false,
      })
      return { channelId: String(answer.channel), ts: String(answer.ts) }
    } catch (error) {
      throw slackError(error)
    }
  }

  async updateMessage(botToken: string, posted: PostedMessage, message: SlackMessage) {
    try {
      await this.client(botToken).chat.update({
        channel: posted.channelId,
        ts: posted.ts,
        text: message.text,
        blocks: message.blocks as any,
      })
    } catch (error) {
      throw slackError(error)
    }
  }

  private client(botToken: string) {
    return new webApi.WebClient(botToken, slackClientOptions())
  }
}
