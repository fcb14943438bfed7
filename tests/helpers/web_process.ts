import { spawn, type ChildProcess } from 'node:child_process'
import db from '@adonisjs/lucid/services/db'
import app from '@adonisjs/core/services/app'
import env from '#start/env'
import { until } from '#tests/helpers/until'

/**
 * A real web process (`bin/server.ts` under ts-exec) on the test database, with the
 * session store given (the database store by default): several of them stand for the
 * web processes of one install. Stop it with `stop()`.
 */
export async function startWebProcess(port: number, extraEnv: Record<string, string> = {}) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import=@poppinss/ts-exec', 'bin/server.js'],
    {
      cwd: app.makePath(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        SESSION_DRIVER: 'database',
        DB_CONNECTION: db.primaryConnectionName,
        SQLITE_PATH: env.get('SQLITE_PATH'),
        MYSQL_DB_NAME: env.get('MYSQL_DB_NAME'),
        ...extraEnv,
      },
    }
  )
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk).slice(-20_000)))
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk).slice(-20_000)))
  const base = `http://127.0.0.1:${port}`
  const up = await until(
    async () => {
      if (child.exitCode !== null) return true
      try {
        return (await fetch(`${base}/login`)).status === 200
      } catch {
        return false
      }
    },
    { everyMs: 200, timeoutMs: 90_000 }
  )
  if (!up || child.exitCode !== null) {
    child.kill('SIGKILL')
    throw new Error(`The web process on port ${port} did not start:\n${output}`)
  }
  return {
    base,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** A browser's cookie jar over fetch: signs in through the real form, keeps the session cookie. */
export class CookieBrowser {
  cookies = new Map<string, string>()

  /** `userAgent`: what the browser calls itself (fetch's own "node" when not given). */
  constructor(
    public base: string,
    private userAgent?: string
  ) {}

  /** Another browser holding a copy of this one's cookies (a stolen or copied cookie). */
  copy(base = this.base) {
    const other = new CookieBrowser(base, this.userAgent)
    other.cookies = new Map(this.cookies)
    return other
  }

  at(base: string) {
    this.base = base
    return this
  }

  async get(path: string, headers: Record<string, string> = {}) {
    return this.keep(
      await fetch(`${this.base}${path}`, {
        redirect: 'manual',
        headers: { ...headers, ...this.identity(), cookie: this.header() },
      })
    )
  }

  /** A form post with the CSRF token read from `formPath` (the page that holds the form). */
  async post(path: string, fields: Record<string, string>, formPath: string) {
    const page = await this.get(formPath)
    const token = (await page.text()).match(/name=['"]_csrf['"] value=['"]([^'"]+)['"]/)?.[1]
    if (!token) throw new Error(`No CSRF token on ${formPath} (status ${page.status})`)
    return this.keep(
      await fetch(`${this.base}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          ...this.identity(),
          'content-type': 'application/x-www-form-urlencoded',
          'cookie': this.header(),
        },
        body: new URLSearchParams({ _csrf: token, ...fields }),
      })
    )
  }

  async signIn(email: string, password: string) {
    const answer = await this.post('/login', { email, password }, '/login')
    if (answer.status !== 302) throw new Error(`Sign-in answered ${answer.status}`)
    return answer
  }

  /** Whether the dashboard opens (200) or sends to the sign-in page. */
  async signedIn() {
    const answer = await this.get('/')
    return answer.status === 200
  }

  private keep(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const at = pair.indexOf('=')
      const name = pair.slice(0, at)
      const value = pair.slice(at + 1)
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '')
        this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return response
  }

  private identity(): Record<string, string> {
    return this.userAgent ? { 'user-agent': this.userAgent } : {}
  }

  private header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}
