import logger from '@adonisjs/core/services/logger'
import { LogLevel, type Logger } from '@slack/bolt'

/** Bolt's log lines go to the app's logger (pino), never to the console, and never with request bodies. */
export class BoltLogger implements Logger {
  #level: LogLevel = LogLevel.WARN
  #name = 'slack'

  debug(...messages: unknown[]) {
    logger.debug(`${this.#name}: ${messages.map(String).join(' ')}`)
  }

  info(...messages: unknown[]) {
    logger.info(`${this.#name}: ${messages.map(String).join(' ')}`)
  }

  warn(...messages: unknown[]) {
    logger.warn(`${this.#name}: ${messages.map(String).join(' ')}`)
  }

  error(...messages: unknown[]) {
    logger.error(`${this.#name}: ${messages.map(String).join(' ')}`)
  }

  setLevel(level: LogLevel) {
    this.#level = level
  }

  getLevel() {
    return this.#level
  }

  setName(name: string) {
    this.#name = name
  }
}
