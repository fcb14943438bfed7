/*
| `npm run demo`: everything needed to try Accounting Toolbox on a fresh machine.
| Creates .env (with a new APP_KEY) when missing, migrates the embedded SQLite
| database, starts the Autotask, Xero and Slack sandboxes, seeds a demo account whose
| product is connected to them, then starts the web server and the sync worker
| and prints the URL and the sign-in. Ctrl+C stops everything.
|
| The sandboxes keep their state in tmp/demo-sandboxes.json beside the database, so a
| restart carries on where the last run stopped; .env.local (written here) points
| `node ace …` in another terminal at this demo. The web server and the worker run in
| production mode: a missing page is the app's own 404, never the framework's debug page.
*/
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import { ensureEnv, envPath, root, writeDemoEnv } from './ensure_env.js'

ensureEnv()

function readEnvFile(name) {
  const match = readFileSync(envPath, 'utf8').match(new RegExp(`^${name}=(.*)$`, 'm'))
  return match && match[1].trim() ? match[1].trim() : undefined
}
const setting = (name, fallback) => process.env[name] || readEnvFile(name) || fallback

const host = setting('HOST', 'localhost')
const port = setting('PORT', '3333')
const sandboxHost = setting('SANDBOX_HOST', '127.0.0.1')
const autotaskPort = setting('SANDBOX_AUTOTASK_PORT', '4010')
const xeroPort = setting('SANDBOX_XERO_PORT', '4020')
const slackPort = setting('SANDBOX_SLACK_PORT', '4030')
const autotaskUrl = `http://${sandboxHost}:${autotaskPort}`
const xeroUrl = `http://${sandboxHost}:${xeroPort}`
const slackUrl = `http://${sandboxHost}:${slackPort}`
const appUrl = `http://${host}:${port}`

/** What points the app's clients at the sandboxes: the demo's processes and, through .env.local, the console. */
const demoSettings = {
  APP_URL: appUrl,
  AUTOTASK_ZONE_LOOKUP_URL: autotaskUrl,
  XERO_API_URL: `${xeroUrl}/api.xro/2.0`,
  XERO_AUTHORIZE_URL: `${xeroUrl}/identity/connect/authorize`,
  XERO_TOKEN_URL: `${xeroUrl}/connect/token`,
  XERO_CONNECTIONS_URL: `${xeroUrl}/connections`,
  XERO_CLIENT_ID: 'AT0SANDBOX0CLIENT0ID0000000000000',
  XERO_CLIENT_SECRET: 'sandbox-xero-client-secret-do-not-use-in-production',
  XERO_REDIRECT_URI: `${appUrl}/xero/callback`,
  SLACK_API_URL: `${slackUrl}/api/`,
  SANDBOX_HOST: sandboxHost,
  SANDBOX_AUTOTASK_PORT: autotaskPort,
  SANDBOX_XERO_PORT: xeroPort,
  SANDBOX_SLACK_PORT: slackPort,
}

const env = {
  ...process.env,
  NODE_ENV: 'development',
  HOST: host,
  PORT: port,
  ...demoSettings,
}
/** The web server and the worker run as in production (the app's own error pages, no debug page). */
const productionEnv = { ...env, NODE_ENV: 'production' }

/** The sandboxes' saved state; it belongs with the demo's database (both kept, or both started afresh). */
const stateFile = 'tmp/demo-sandboxes.json'
const notes = []

/**
 * A database without the sandboxes' state (or state without its database) cannot work: the database
 * would link invoices and contacts the sandboxes do not have. Start both afresh then, and say so; the
 * old SQLite file is moved aside, not deleted.
 */
function pairDatabaseWithSandboxes() {
  const statePath = join(root, stateFile)
  if (setting('DB_CONNECTION', 'sqlite') !== 'sqlite') {
    if (!existsSync(statePath))
      notes.push(
        `The sandboxes start from their seed (no ${stateFile}): invoices this MySQL database synced before will not be in the Xero sandbox.`
      )
    return
  }
  const sqlite = setting('SQLITE_PATH', 'tmp/db.sqlite3')
  const databasePath = isAbsolute(sqlite) ? sqlite : join(root, sqlite)
  const hasDatabase = existsSync(databasePath)
  const hasState = existsSync(statePath)
  if (hasDatabase && !hasState) {
    const aside = `${databasePath}.${new Date().toISOString().replace(/[:.]/g, '-')}`
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(databasePath + suffix)) renameSync(databasePath + suffix, aside + suffix)
    }
    notes.push(
      `Starting afresh: the sandboxes' saved state (${stateFile}) is missing, so the database was moved to ${relative(root, aside)}.`
    )
  } else if (!hasDatabase && hasState) {
    rmSync(statePath)
    notes.push(`Starting afresh: the database is new, so the sandboxes' saved state was cleared.`)
  } else if (hasDatabase && hasState) {
    notes.push(`Carrying on: the database and the sandboxes' state (${stateFile}) are kept.`)
  } else {
    notes.push(
      `First run: the database is ${relative(root, databasePath)}, the sandboxes' state ${stateFile}.`
    )
  }
}

const children = []
const tsNode = ['--import=@poppinss/ts-exec', '--enable-source-maps']

function ace(...args) {
  const result = spawnSync(process.execPath, ['ace', ...args], { cwd: root, env, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error(`\n"node ace ${args.join(' ')}" failed; the demo cannot start.`)
    stopAll(result.status ?? 1)
  }
}

/** Starts a long-running child, resolving with its output so far once a line of it matches `ready`. */
function start(name, args, ready, childEnv = env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let started = false
    let output = ''
    const watch = (stream, out) =>
      stream.on('data', (chunk) => {
        out.write(chunk.toString().replace(/^(?=.)/gm, `[${name}] `))
        if (started) return
        output += chunk.toString()
        if (ready.test(output)) {
          started = true
          resolve(output)
        }
      })
    watch(child.stdout, process.stdout)
    watch(child.stderr, process.stderr)
    child.on('exit', (code) => {
      if (!started) reject(new Error(`${name} exited (${code}) before it was ready`))
      else if (!stopping) {
        console.error(`[${name}] stopped (${code}); stopping the demo`)
        stopAll(code ?? 1)
      }
    })
  })
}

let stopping = false
function stopAll(code = 0) {
  stopping = true
  for (const child of children) child.kill('SIGTERM')
  setTimeout(() => process.exit(code), 500).unref()
}
process.on('SIGINT', () => stopAll(0))
process.on('SIGTERM', () => stopAll(0))
process.on('SIGHUP', () => stopAll(0))
// However this process ends, its children end with it.
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM')
})

try {
  pairDatabaseWithSandboxes()
  const consoleReaches = writeDemoEnv(demoSettings)
  ace('migration:run', '--force')
  const sandboxes = await start(
    'sandboxes',
    ['ace', 'sandbox:serve', `--state=${stateFile}`],
    /Sandboxes ready/
  )
  ace('db:seed', '--files=./database/seeders/demo_seeder.ts')
  await start('web', [...tsNode, 'bin/server.js'], /started HTTP server/i, productionEnv)
  await start('worker', ['ace', 'scheduler:work'], /./, productionEnv)
  const autotaskUser = sandboxes.match(/Autotask sandbox API user: (.*)/)?.[1]?.trim()
  console.log(
    [
      '',
      '  Accounting Toolbox demo is running',
      `  Open      ${appUrl}`,
      '  Sign in   demo@example.com / demo-password',
      ...notes.map((note) => `  ${note}`),
      '  The demo product syncs the Autotask sandbox into the Xero sandbox every minute;',
      '  a few invoices fault on purpose (an unmapped tax region, a totals mismatch).',
      `  Autotask sandbox credentials (Add a New Product): ${autotaskUser ?? 'see sandbox:serve'}`,
      `  New billing run:  curl -X POST ${autotaskUrl}/_sandbox/billing-runs -H 'content-type: application/json' -d '{"invoices":5}'`,
      `  Xero sandbox:     ${xeroUrl}/_sandbox (knobs), its invoices at ${xeroUrl}/_sandbox/invoices`,
      `  Slack sandbox:    fault alerts land in #billing-alerts, see ${slackUrl}/_sandbox/state`,
      '  Slack command:    node ace slack:sign "status"   (prints a signed curl request to run)',
      consoleReaches
        ? '  Console:          node ace … in another terminal reaches this demo (its URLs are in .env.local)'
        : '  Console:          .env.local is your own, so node ace … does not reach this demo (the demo leaves it alone)',
      '  Stop      Ctrl+C (the next npm run demo carries on from here)',
      '',
    ].join('\n')
  )
} catch (error) {
  console.error(error.message)
  stopAll(1)
}
