import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import lockManager from '@adonisjs/lock/services/main'
import { App as BoltApp, SocketModeReceiver } from '@slack/bolt'
import { createHash } from 'node:crypto'
import type { SlackConfig } from '#config/slack'
import SlackConnectionService from '#services/slack_connection_service'
import { BoltLogger } from '#slack/bolt_logger'
import { registerListeners } from '#slack/bot'
import { slackClientOptions } from '#integrations/slack/web_api_slack_client'

type Lock = ReturnType<typeof lockManager.createLock>

/** How long the lock lives without renewal: a holder that dies frees its socket within this. */
const LOCK_TTL_SECONDS = 30
const RENEW_EVERY_MS = 10_000

/**
 * Slack in Socket Mode (SLACK_APP_TOKEN): Slack calls no URL of ours; one
 * process opens a WebSocket with apps.connections.open and Slack sends the
 * commands and button presses down it (https://api.slack.com/apis/socket-mode).
 * An app token's connections are shared by every workspace it is installed in,
 * so a database lock per app token lets exactly one process (web or worker, on
 * any machine) hold the socket; the others wait and take over when it goes.
 * Each envelope is routed to its workspace's installation by team id.
 */
export class SlackSocketHolder {
  #bolt: BoltApp | null = null
  #lock: Lock | null = null
  #timer: NodeJS.Timeout | null = null
  #stopped = false
  #inFlight = 0

  constructor(protected appToken: string) {}

  get holding() {
    return this.#bolt !== null
  }

  /** Tries once to take the lock and open the socket; false when another process holds it. */
  async tryStart() {
    if (this.#bolt || this.#stopped) return this.holding
    const key = `slack-socket:${createHash('sha256').update(this.appToken).digest('hex').slice(0, 16)}`
    const lock = lockManager.createLock(key, `${LOCK_TTL_SECONDS}s`)
    if (!(await lock.acquireImmediately())) return false
    this.#lock = lock
    try {
      const receiver = new SocketModeReceiver({
        appToken: this.appToken,
        logger: new BoltLogger(),
        installerOptions: { clientOptions: slackClientOptions() },
      })
      const bolt = new BoltApp({
        receiver,
        logger: new BoltLogger(),
        clientOptions: { ...slackClientOptions(), logger: new BoltLogger() },
        // Each envelope names its workspace; its installation gives the bot token and our context.
        authorize: async ({ teamId }) => {
          const connections = await (
            await app.container.make(SlackConnectionService)
          ).candidatesFor(teamId ?? null)
          const connection = teamId ? connections[0] : undefined
          if (!connection) throw new Error(`no installation for workspace ${teamId ?? '(none)'}`)
          return {
            botToken: connection.botToken,
            botUserId: connection.botUserId ?? undefined,
            botId: connection.botId ?? undefined,
            toolboxConnection: connection,
          }
        },
      })
      bolt.error(async (error) => {
        logger.error({ err: error }, 'slack: a listener failed (socket mode)')
      })
      // Counts envelopes being handled, so a shutdown (or a test) can wait for work done after the ack.
      bolt.use(async ({ next }) => {
        this.#inFlight += 1
        try {
          await next()
        } finally {
          this.#inFlight -= 1
        }
      })
      registerListeners(bolt)
      await bolt.start()
      this.#bolt = bolt
      logger.info('slack: socket mode connected')
    } catch (error) {
      await lock.forceRelease()
      this.#lock = null
      throw error
    }
    this.#timer = setInterval(() => {
      this.#lock?.extend(`${LOCK_TTL_SECONDS}s`).catch(async (error) => {
        logger.error({ err: error }, 'slack: lost the socket lock; closing the socket')
        await this.release()
      })
    }, RENEW_EVERY_MS)
    return true
  }

  /** Resolves once no envelope is being handled (work after an ack included). */
  async settled() {
    while (this.#inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  /** Closes the socket and frees the lock so another process can take over. */
  async release() {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    const bolt = this.#bolt
    this.#bolt = null
    await this.settled()
    if (bolt) await bolt.stop().catch(() => {})
    const lock = this.#lock
    this.#lock = null
    if (lock) await lock.forceRelease().catch(() => {})
  }

  async stop() {
    this.#stopped = true
    await this.release()
  }
}

/** The configured app token, or null when Slack runs in HTTP mode only. */
export function socketModeAppToken() {
  return app.config.get<SlackConfig>('slack').appToken
}
