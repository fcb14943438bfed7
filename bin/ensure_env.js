/*
| Creates .env from .env.example, with a fresh APP_KEY, when it is missing, so
| that `npm run demo` and the benchmarks work on a fresh clone. Run directly
| (`node bin/ensure_env.js`) or imported.
*/
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../', import.meta.url))
export const envPath = `${root}.env`

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
