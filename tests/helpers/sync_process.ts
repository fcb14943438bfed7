import { spawn, type ChildProcess } from 'node:child_process'
import db from '@adonisjs/lucid/services/db'
import app from '@adonisjs/core/services/app'
import env from '#start/env'
import { XERO_SANDBOX_CLIENT_ID, XERO_SANDBOX_CLIENT_SECRET } from '#sandbox/xero/index'
import type { startSyncWorld } from '#tests/helpers/sync_world'

type World = Awaited<ReturnType<typeof startSyncWorld>>

/** A real worker process (`node ace sync:run --product=…`) on the test database, talking to the world's sandboxes. */
export function syncRunProcess(world: World, extraEnv: Record<string, string> = {}) {
  return aceProcess(world, ['sync:run', `--product=${world.product.id}`], extraEnv)
}

/** `node ace <args>` on the test database, with the app pointed at the world's sandboxes; its output is collected in `output()`. */
export function aceProcess(world: World, args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['ace', ...args], {
    cwd: app.makePath(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      DB_CONNECTION: db.primaryConnectionName,
      SQLITE_PATH: env.get('SQLITE_PATH'),
      MYSQL_DB_NAME: env.get('MYSQL_DB_NAME'),
      AUTOTASK_ZONE_LOOKUP_URL: world.autotask.lookupUrl,
      XERO_API_URL: world.xero.apiUrl,
      XERO_TOKEN_URL: world.xero.tokenUrl,
      XERO_AUTHORIZE_URL: world.xero.authorizeUrl,
      XERO_CONNECTIONS_URL: world.xero.connectionsUrl,
      XERO_CLIENT_ID: XERO_SANDBOX_CLIENT_ID,
      XERO_CLIENT_SECRET: XERO_SANDBOX_CLIENT_SECRET,
      // The worker's shared budget paces it by the limits of the Xero it talks to: the sandbox's.
      XERO_LIMIT_PER_MINUTE: String(world.xero.state.limits.perMinute),
      XERO_LIMIT_CONCURRENT: String(world.xero.state.limits.concurrent),
      XERO_LIMIT_PER_DAY: String(world.xero.state.limits.perDay),
      XERO_LIMIT_APP_PER_MINUTE: String(world.xero.state.limits.appPerMinute),
      // …and by the limits of the Autotask sandbox it talks to.
      AUTOTASK_LIMIT_THREADS: String(world.autotask.state.options.threadLimit),
      AUTOTASK_LIMIT_PER_HOUR: String(world.autotask.state.options.hourlyLimit),
      ...extraEnv,
    },
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return { child, output: () => output }
}

/** The exit code (or the signal that ended it), or 'still running' once the time is up; the child is then killed. */
export async function exitWithin(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  const ended = new Promise<number | string>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      return resolve(child.exitCode ?? child.signalCode!)
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
  })
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'still running'>(
    (resolve) => (timer = setTimeout(() => resolve('still running'), timeoutMs))
  )
  const result = await Promise.race([ended, late])
  clearTimeout(timer)
  if (result === 'still running') {
    child.kill('SIGKILL')
    await ended
  }
  return result
}
