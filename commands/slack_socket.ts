import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

const RETRY_MS = 15_000

/**
 * Slack in Socket Mode: holds the WebSocket (SLACK_APP_TOKEN) for as long as it
 * runs. Run it beside the worker on as many machines as you like: one holds the
 * socket, the others stand by and take over within about 30 seconds.
 */
export default class SlackSocket extends BaseCommand {
  static commandName = 'slack:socket'
  static description = 'Receive Slack commands and buttons over Socket Mode (needs SLACK_APP_TOKEN)'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  async run() {
    // Loaded here: Ace imports every command file to run any one of them, and Bolt is heavy.
    const { SlackSocketHolder, socketModeAppToken } = await import('#slack/socket_mode')
    const appToken = socketModeAppToken()
    if (!appToken?.startsWith('xapp-')) {
      this.logger.error(
        'Set SLACK_APP_TOKEN to an app-level token (xapp-…, scope connections:write).'
      )
      this.exitCode = 1
      return
    }
    const holder = new SlackSocketHolder(appToken)
    let timer: NodeJS.Timeout | null = null
    const attempt = async () => {
      try {
        if (!holder.holding && (await holder.tryStart()))
          this.logger.success('Holding the Slack socket.')
      } catch (error) {
        this.logger.error(`Could not open the Slack socket: ${(error as Error).message}`)
      }
    }
    const stop = async () => {
      if (timer) clearInterval(timer)
      await holder.stop()
      await this.terminate()
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
    await attempt()
    if (!holder.holding) this.logger.info('Another process holds the Slack socket; standing by.')
    timer = setInterval(attempt, RETRY_MS)
  }
}
