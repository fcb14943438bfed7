/*
| `npm run demo`: everything needed to try Accounting Toolbox on a fresh machine.
| Creates .env (with a new APP_KEY) when missing, migrates the embedded SQLite
| database, seeds the demo account, then starts the web server and prints the
| URL and the sign-in. Ctrl+C stops everything.
*/
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const envPath = `${root}.env`

if (!existsSync(envPath)) {
  const example = readFileSync(`${root}.env.example`, 'utf8')
  writeFileSync(envPath, example.replace(/^APP_KEY=.*$/m, `APP_KEY=${randomBytes(32).toString('base64url')}`))
  console.log('Created .env with a new APP_KEY')
}
mkdirSync(`${root}tmp`, { recursive: true })

const env = { ...process.env, NODE_ENV: process.env.NODE_ENV || 'development' }
const host = process.env.HOST || readEnvFile('HOST') || 'localhost'
const port = process.env.PORT || readEnvFile('PORT') || '3333'

function readEnvFile(name) {
  const match = readFileSync(envPath, 'utf8').match(new RegExp(`^${name}=(.*)$`, 'm'))
  return match && match[1].trim() ? match[1].trim() : undefined
}

function ace(...args) {
  const result = spawnSync(process.execPath, ['ace', ...args], { cwd: root, env, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error(`\n"node ace ${args.join(' ')}" failed; the demo cannot start.`)
    process.exit(result.status ?? 1)
  }
}

ace('migration:run', '--force')
ace('db:seed', '--files=./database/seeders/demo_seeder.ts')

const server = spawn(
  process.execPath,
  ['--import=ts-node-maintained/register/esm', '--enable-source-maps', 'bin/server.js'],
  { cwd: root, env: { ...env, HOST: host, PORT: port }, stdio: ['ignore', 'pipe', 'inherit'] }
)

let announced = false
server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  if (!announced && /started HTTP server/i.test(chunk.toString())) {
    announced = true
    console.log(
      [
        '',
        '  Accounting Toolbox demo is running',
        `  Open     http://${host}:${port}`,
        '  Sign in  demo@example.com / demo-password',
        '  Stop     Ctrl+C',
        '',
      ].join('\n')
    )
  }
})

const stop = () => server.kill('SIGTERM')
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
server.on('exit', (code) => process.exit(code ?? 0))
