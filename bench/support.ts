/*
| Shared by the benchmark commands (`npm run bench:sync`, `npm run bench:web`):
| a fresh MySQL database, child processes with the app's environment, and
| memory read from /proc.
*/
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import mysql from 'mysql2/promise'
import env from '#start/env'

export const root = new URL('../', import.meta.url).pathname

/** The environment children get: this process's, pointed at the bench database. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DB_CONNECTION: 'mysql',
    MYSQL_DB_NAME: env.get('MYSQL_DB_NAME', 'accounting_toolbox'),
    LOG_LEVEL: 'warn',
    ...extra,
  }
}

/** Drops and re-creates the bench database, then migrates it with `node ace migration:run`. */
export async function freshDatabase() {
  const name = env.get('MYSQL_DB_NAME', 'accounting_toolbox')
  if (env.get('DB_CONNECTION') !== 'mysql' || !/bench/.test(name)) {
    throw new Error(
      `Refusing to wipe "${name}": run through npm run bench:* (DB_CONNECTION=mysql, a *bench* database).`
    )
  }
  const connection = await mysql.createConnection({
    host: env.get('MYSQL_HOST', '127.0.0.1'),
    port: env.get('MYSQL_PORT', 3306),
    user: env.get('MYSQL_USER', 'root'),
    password: env.get('MYSQL_PASSWORD', ''),
  })
  await connection.query(`DROP DATABASE IF EXISTS \`${name}\``)
  await connection.query(
    `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`
  )
  await connection.end()
  const migrated = spawnSync(process.execPath, ['ace', 'migration:run', '--force'], {
    cwd: root,
    env: childEnv(),
    encoding: 'utf8',
  })
  if (migrated.status !== 0)
    throw new Error(`migration:run failed:\n${migrated.stdout}\n${migrated.stderr}`)
}

/**
 * The app as production runs it: compiled by `node ace build` into build/ (no
 * TypeScript loader in the process), with the checkout's node_modules and .env.
 * Returns the build's root, where `ace.js` and `bin/server.js` are.
 */
export function buildApp() {
  const built = spawnSync(process.execPath, ['ace', 'build'], {
    cwd: root,
    env: process.env,
    encoding: 'utf8',
  })
  if (built.status !== 0)
    throw new Error(`node ace build failed:\n${built.stdout}\n${built.stderr}`)
  const buildRoot = `${root}build/`
  if (!existsSync(`${buildRoot}node_modules`))
    symlinkSync(`${root}node_modules`, `${buildRoot}node_modules`, 'dir')
  if (existsSync(`${root}.env`)) copyFileSync(`${root}.env`, `${buildRoot}.env`)
  return buildRoot
}

/**
 * How an npm script of a package.json runs node (`NAME=value … node <flags>
 * <entry> <args…>`), so a benchmark measures the documented production
 * configuration and not a copy of it.
 */
export function npmScriptOf(appRoot: string, name: string, entry: string) {
  const script: string =
    JSON.parse(readFileSync(`${appRoot}package.json`, 'utf8')).scripts?.[name] ?? ''
  const words = script.trim().split(/\s+/)
  const node = words.indexOf('node')
  const at = words.indexOf(entry)
  if (
    node < 0 ||
    at < node ||
    words.slice(0, node).some((word) => !/^[A-Z_][A-Z0-9_]*=\S*$/.test(word))
  ) {
    throw new Error(`The ${name} script is not "NAME=value … node <flags> ${entry} …": ${script}`)
  }
  const variables = Object.fromEntries(
    words.slice(0, node).map((word) => word.split(/=(.*)/s).slice(0, 2) as [string, string])
  )
  return { env: variables, nodeArgs: words.slice(node + 1, at), args: words.slice(at + 1), script }
}

/** How `npm start` runs the web server (`… node <flags> bin/server.js`, nothing after it). */
export function startScriptOf(appRoot: string): {
  env: Record<string, string>
  nodeArgs: string[]
  script: string
} {
  const start = npmScriptOf(appRoot, 'start', 'bin/server.js')
  if (start.args.length)
    throw new Error(`The start script must end with bin/server.js: ${start.script}`)
  return start
}

/** Starts a child (node with the given args, in `cwd`), resolving once its output matches `ready`. */
export function startChild(
  args: string[],
  extraEnv: Record<string, string>,
  ready: RegExp | null,
  cwd = root
) {
  return new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: childEnv(extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const watch = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000)
      if (ready && ready.test(output)) {
        ready = null
        resolve(child)
      }
    }
    child.stdout!.on('data', watch)
    child.stderr!.on('data', watch)
    child.on('exit', (code) => {
      if (ready)
        reject(new Error(`node ${args.join(' ')} exited (${code}) before it was ready:\n${output}`))
    })
    ;(child as ChildProcess & { output: () => string }).output = () => output
    if (!ready) resolve(child)
  })
}

/** The last output a child started by `startChild` printed. */
export function outputOf(child: ChildProcess) {
  return (child as ChildProcess & { output?: () => string }).output?.() ?? ''
}

/** A process's memory from /proc in MB: current (VmRSS) and peak (VmHWM); null once it has exited. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string) =>
      Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0)
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 }
  } catch {
    return null
  }
}

/**
 * CPU time a process has used so far (user + system), in ms, from /proc/PID/stat (fields 14 and 15, in
 * clock ticks: USER_HZ, 100 on Linux). Unlike a latency, CPU per request barely moves when the machine is busy.
 */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** Resets a process's peak RSS (VmHWM) to its current RSS, so a later reading covers only what follows. */
export function resetPeakMemory(pid: number) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5')
}

/** Samples a process's memory every `everyMs` until stopped; the peak survives the process's exit. */
export function watchMemory(pid: number, everyMs = 100) {
  let peakMb = 0
  const sample = () => {
    const memory = memoryOf(pid)
    if (memory) peakMb = Math.max(peakMb, memory.peakMb, memory.rssMb)
  }
  sample()
  const timer = setInterval(sample, everyMs)
  return {
    get peakMb() {
      return peakMb
    },
    stop() {
      sample()
      clearInterval(timer)
      return peakMb
    },
  }
}

export function exited(child: ChildProcess) {
  return new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    child.on('exit', (code) => resolve(code))
  })
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits))

/** The q-th quantile (0..1) of a list of numbers, nearest rank. */
export function quantile(values: number[], q: number) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

/** Xero's documented ceiling on invoices per request, which sets the floor on calls. */
export const XERO_BATCH = 50

/**
 * Xero's floor for one organisation, in sandbox minutes: its ⌈invoices ÷ 50⌉ calls take the
 * larger of the per-minute limit and `concurrent` calls at once, each taking the latency.
 */
export function xeroFloorMinutes(
  invoices: number,
  latencyMs: number,
  limits = { perMinute: 60, concurrent: 5 }
) {
  const calls = Math.ceil(invoices / XERO_BATCH)
  return {
    calls,
    minutes: Math.max(
      calls / limits.perMinute,
      (Math.ceil(calls / limits.concurrent) * latencyMs) / 60_000
    ),
  }
}

/**
 * How `npm run worker` runs: the compiled app (`node ace build`) unless `source`, with the
 * script's node flags (or V8's defaults with `defaultHeap`) and its environment.
 */
export function workerScript(options: { source: boolean; defaultHeap: boolean }) {
  const cwd = options.source ? undefined : buildApp()
  const worker = npmScriptOf(cwd ?? root, 'worker', 'ace.js')
  return {
    cwd,
    // As the README's production steps run it (`NODE_ENV=production npm run worker`), unless from the sources.
    env: options.source ? worker.env : { ...worker.env, NODE_ENV: 'production' },
    nodeArgs: options.defaultHeap ? [] : worker.nodeArgs,
    /** node's arguments for `ace.js <command…>` */
    ace: (...command: string[]) => [
      ...(options.defaultHeap ? [] : worker.nodeArgs),
      'ace.js',
      ...command,
    ],
    /** the script's own command (`scheduler:work`) */
    args: worker.args,
  }
}

/** The environment a worker needs to talk to the sandboxes, its Xero budget keeping the limits on the sandbox's clock. */
export async function sandboxWorkerEnv(
  autotaskLookupUrl: string,
  xero: { apiUrl: string; authorizeUrl: string; tokenUrl: string; connectionsUrl: string },
  clockSpeed: number
): Promise<Record<string, string>> {
  // The sandboxes need development packages: loaded here so a production build can still list commands.
  const { sandboxEnvironment } = await import('#sandbox/environment')
  return {
    ...Object.fromEntries(
      sandboxEnvironment(autotaskLookupUrl, xero).map(
        (line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]
      )
    ),
    XERO_LIMITS_CLOCK_SPEED: String(clockSpeed),
  }
}

/**
 * An Active product connected to the sandboxes and mapped as sync_world does (region "VAT UK"
 * left unmapped): its books a Xero sandbox organisation (NZ unless named), its Autotask database
 * the one the zone look-up finds unless `autotaskZoneUrl` names its own sandbox.
 */
export async function sandboxProduct(
  xero: {
    state: {
      connect(tenantIds: string[]): { accessToken: string; refreshToken: string; expiresAt: Date }
    }
  },
  options: { name: string; tenant?: { tenantId: string; name: string }; autotaskZoneUrl?: string }
) {
  const { XERO_SANDBOX_TENANTS } = await import('#sandbox/xero/index')
  const { default: SandboxSetup } = await import('#sandbox/setup')
  const { ProductFactory } = await import('#database/factories/product_factory')
  const tenant = options.tenant ?? XERO_SANDBOX_TENANTS.nz
  const connection = xero.state.connect([tenant.tenantId])
  const product = await ProductFactory.with('account')
    .merge({ name: options.name, status: 'active', settings: { daysBack: 90 } })
    .create()
  await new SandboxSetup().connect(
    product,
    {
      accessToken: connection.accessToken,
      refreshToken: connection.refreshToken,
      expiresAt: connection.expiresAt.toISOString(),
    },
    tenant
  )
  if (options.autotaskZoneUrl) {
    product.autotaskZoneUrl = options.autotaskZoneUrl
    await product.save()
  }
  return product.id
}
