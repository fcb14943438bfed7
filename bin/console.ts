/*
| Ace entrypoint: boots the command-line framework.
*/
import 'reflect-metadata'
import { constants } from 'node:os'
import { Ignitor, prettyPrintError } from '@adonisjs/core'
import type { ApplicationService } from '@adonisjs/core/types'

const APP_ROOT = new URL('../', import.meta.url)

/** Longest a stop signal waits for the app to shut down before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 5_000

const IMPORTER = (filePath: string) => {
  if (filePath.startsWith('./') || filePath.startsWith('../')) {
    return import(new URL(filePath, APP_ROOT).href)
  }
  return import(filePath)
}

/**
 * A stop signal ends the process within seconds, exit code 128 + the signal: the
 * app shuts down (scheduler, database), then the process exits even if a run is
 * still waiting on Autotask or Xero. What it had claimed comes back when its
 * leases expire, as after a crash; a second signal exits at once.
 */
function stopOn(app: ApplicationService, signal: 'SIGTERM' | 'SIGINT') {
  let stopping = false
  const code = 128 + constants.signals[signal]
  return () => {
    if (stopping) process.exit(code)
    stopping = true
    process.stderr.write(`Received ${signal}: stopping now.\n`)
    setTimeout(() => process.exit(code), SHUTDOWN_GRACE_MS).unref()
    app
      .terminate()
      .catch((error) => prettyPrintError(error))
      .finally(() => process.exit(code))
  }
}

new Ignitor(APP_ROOT, { importer: IMPORTER })
  .tap((app) => {
    app.booting(async () => {
      await import('#start/env')
    })
    app.listen('SIGTERM', stopOn(app, 'SIGTERM'))
    app.listenIf(app.managedByPm2, 'SIGINT', stopOn(app, 'SIGINT'))
  })
  .ace()
  .handle(process.argv.splice(2))
  .catch((error) => {
    process.exitCode = 1
    prettyPrintError(error)
  })
