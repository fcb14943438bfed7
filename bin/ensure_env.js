/*
| Creates .env from .env.example, with a fresh APP_KEY, when it is missing, so
| that `npm run demo` and the benchmarks work on a fresh clone. Run directly
| (`node bin/ensure_env.js`) or imported.
*/
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../', import.meta.url))
export const envPath = `${root}.env`
export const demoEnvPath = `${root}.env.local`

/** The first line of the .env.local that `npm run demo` writes; a .env.local without it is the user's own. */
export const DEMO_ENV_MARKER = '# Written by `npm run demo`'

/**
 * Writes .env.local (AdonisJS reads it after the environment and before .env, in every environment but
 * test) so that `node ace …` in another terminal reaches the running demo's sandboxes and web server.
 * A .env.local the demo did not write is left alone: returns false then.
 */
export function writeDemoEnv(settings) {
  if (existsSync(demoEnvPath) && !readFileSync(demoEnvPath, 'utf8').startsWith(DEMO_ENV_MARKER)) {
    return false
  }
  const lines = [
    `${DEMO_ENV_MARKER} on each start: it points \`node ace …\` commands at the demo's`,
    '# sandboxes and web server. Delete this file to use .env alone (the real Autotask, Xero and Slack).',
    ...Object.entries(settings).map(([name, value]) => `${name}=${value}`),
    '',
  ]
  const temporary = `${demoEnvPath}.${process.pid}.tmp`
  writeFileSync(temporary, lines.join('\n'))
  renameSync(temporary, demoEnvPath)
  return true
}

export function ensureEnv() {
  mkdirSync(`${root}tmp`, { recursive: true })
  if (existsSync(envPath)) return false
  const example = readFileSync(`${root}.env.example`, 'utf8')
  writeFileSync(
    envPath,
    example.replace(/^APP_KEY=.*$/m, `APP_KEY=${randomBytes(32).toString('base64url')}`)
  )
  console.log('Created .env with a new APP_KEY')
  return true
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureEnv()
