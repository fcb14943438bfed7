/** A Slack failure in plain words, with how long Slack asked us to wait when it rate-limited us. */
export class SlackError extends Error {
  readonly retryAfterSeconds: number | null

  constructor(message: string, retryAfterSeconds: number | null = null) {
    super(message)
    this.name = 'SlackError'
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** Who a bot token belongs to (auth.test). */
export interface SlackIdentity {
  teamId: string
  teamName: string | null
  botUserId: string | null
  botId: string | null
}

/** A message as Slack takes it: fallback text and Block Kit blocks. */
export interface SlackMessage {
  text: string
  blocks: Record<string, unknown>[]
}

/** Where a posted message lives, so it can be updated later. */
export interface PostedMessage {
  channelId: string
  ts: string
}

/**
 * The Slack Web API calls the services make, for one bot token per call. Every
 * failure is a `SlackError`, so nothing above the client parses Slack's errors.
 */
export abstract class SlackClient {
  abstract identify(botToken: string): Promise<SlackIdentity>
  abstract postMessage(
    botToken: string,
    channel: string,
    message: SlackMessage
  ): Promise<PostedMessage>
  abstract updateMessage(
    botToken: string,
    posted: PostedMessage,
    message: SlackMessage
  ): Promise<void>
}
