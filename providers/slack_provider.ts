import type { ApplicationService } from '@adonisjs/core/types'
import { SlackClient } from '#integrations/slack/slack_client'
import type { SlackConfig } from '#config/slack'

const SOCKET_RETRY_MS = 15_000

/**
 * Binds the Slack contract to the Web API client. With SLACK_APP_TOKEN set, the
 * web process also competes for the Socket Mode connection (as `slack:socket`
 * does in a worker): whichever process holds the lock holds the socket.
 */
export default class SlackProvider {
  #stop: (() => Promise<void>) | null = null

  constructor(protected app: ApplicationService) {}

  register() {
    // Bolt and the Web API client (and axios) are loaded when a process first posts to Slack, not when it boots.
    this.app.container.singleton(SlackClient, async () => {
      const { WebApiSlackClient } = await import('#integrations/slack/web_api_slack_client')
      return new WebApiSlackClient()
    })
  }

  async ready() {
    if (this.app.getEnvironment() !== 'web') return
    // Without an app token there is no socket to hold, and Bolt is not loaded at all.
    const appToken = this.app.config.get<SlackConfig>('slack').appToken
    if (!appToken) return
    const { SlackSocketHolder } = await import('#slack/socket_mode')
    const { default: logger } = await import('@adonisjs/core/services/logger')
    const holder = new SlackSocketHolder(appToken)
    const attempt = () =>
      holder.tryStart().catch((error) => {
        logger.error({ err: error }, 'slack: could not open the Socket Mode connection')
      })
    await attempt()
    const timer = setInterval(() => !holder.holding && attempt(), SOCKET_RETRY_MS)
    this.#stop = async () => {
      clearInterval(timer)
      await holder.stop()
    }
  }

  async shutdown() {
    await this.#stop?.()
  }
}
