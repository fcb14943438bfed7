/*
| `npm run demo`: everything needed to try Accounting Toolbox on a fresh machine.
| Creates .env (with a new APP_KEY) when missing, migrates the embedded SQLite
| database, starts the Autotask and Xero sandboxes, seeds a demo account whose
| product is connected to them, then starts the web server and the sync worker
| and prints the URL and the sign-in. Ctrl+C stops everything.
*/
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { ensureEnv, envPath, root } from './ensure_env.js'

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

/** The app's clients point at the sandboxes for this demo only; .env is left alone. */
const env = {
  ...process.env,
  NODE_ENV: process.env.NODE_ENV || 'development',
  HOST: host,
  PORT: port,
  APP_URL: `http://${host}:${port}`,
  AUTOTASK_ZONE_LOOKUP_URL: autotaskUrl,
  XERO_API_URL: `${xeroUrl}/api.xro/2.0`,
  XERO_AUTHORIZE_URL: `${xeroUrl}/identity/connect/authorize`,
  XERO_TOKEN_URL: `${xeroUrl}/connect/token`,
  XERO_CONNECTIONS_URL: `${xeroUrl}/connections`,
  XERO_CLIENT_ID: 'AT0SANDBOX0CLIENT0ID0000000000000',
  XERO_CLIENT_SECRET: 'sandbox-xero-client-secret-do-not-use-in-production',
  XERO_REDIRECT_URI: `http://${host}:${port}/xero/callback`,
  SLACK_API_URL: `${slackUrl}/api/`,
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

/** Starts a long-running child, resolving once a line of its output matches `ready`. */
function start(name, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let started = false
    const watch = (stream, out) =>
      stream.on('data', (chunk) => {
        out.write(chunk.toString().replace(/^(?=.)/gm, `[${name}] `))
        if (!started && ready.test(chunk.toString())) {
          started = true
          resolve(child)
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
  ace('migration:run', '--force')
  await start('sandboxes', ['ace', 'sandbox:serve'], /Sandboxes ready/)
  ace('db:seed', '--files=./database/seeders/demo_seeder.ts')
  await start('web', [...tsNode, 'bin/server.js'], /started HTTP server/i)
  await start('worker', ['ace', 'scheduler:work'], /./)
  console.log(
    [
      '',
      '  Accounting Toolbox demo is running',
      `  Open      http://${host}:${port}`,
      '  Sign in   demo@example.com / demo-password',
      '  The demo product syncs the Autotask sandbox into the Xero sandbox every minute;',
      '  a few invoices fault on purpose (an unmapped tax region, a totals mismatch).',
      `  New billing run:  curl -X POST ${autotaskUrl}/_sandbox/billing-runs -H 'content-type: application/json' -d '{"invoices":5}'`,
      `  Xero sandbox:     ${xeroUrl}/_sandbox (knobs), its invoices at ${xeroUrl}/_sandbox/invoices`,
      `  Slack sandbox:    fault alerts land in #billing-alerts, see ${slackUrl}/_sandbox/state`,
      '  Slack command:    node ace slack:sign "status"   (prints a signed curl request to run)',
      '  Stop      Ctrl+C',
      '',
    ].join('\n')
  )
} catch (error) {
  console.error(error.message)
  stopAll(1)
}
