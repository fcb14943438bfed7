/*
| The README's command table, run command by command against a running demo (issue 18), as a new user
| would in a second terminal: `npm run demo` on a fresh copy of the app, every console command as the
| README prints it, the billing-run curl and the signed Slack curl the demo prints, then Ctrl+C and
| `npm run demo` again, which must carry on (resync and new billing runs sync, nothing faults with
| "could not be found"). A README row this script does not know fails it, so the table and the check
| stay together. Run by .ci/run; alone: `node .ci/demo_commands.js` (DEMO_CHECK_PORT and
| DEMO_CHECK_SANDBOX_PORTS=A,X,S move it off 3470 (and 3471 for npm run dev) and 4071,4072,4073).
*/
import assert from 'node:assert/strict'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'

const source = fileURLToPath(new URL('../', import.meta.url))
const port = Number(process.env.DEMO_CHECK_PORT ?? 3470)
const [autotaskPort, xeroPort, slackPort] = (
  process.env.DEMO_CHECK_SANDBOX_PORTS ?? '4071,4072,4073'
)
  .split(',')
  .map(Number)
const appUrl = `http://localhost:${port}`
const xeroUrl = `http://127.0.0.1:${xeroPort}`
const started = Date.now()

/** The demo on a fresh copy of the app (tracked and new files, no .env, no tmp/): a first run, isolated from the repo's own demo. */
const work = mkdtempSync(join(tmpdir(), 'demo-check-'))
const files = execFileSync(
  'git',
  ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
  {
    cwd: source,
    encoding: 'utf8',
  }
)
  .split('\0')
  .filter(Boolean)
for (const file of files) {
  mkdirSync(dirname(join(work, file)), { recursive: true })
  try {
    cpSync(join(source, file), join(work, file))
  } catch (error) {
    if (error.code !== 'ENOENT') throw error // deleted but not yet committed
  }
}
symlinkSync(join(source, 'node_modules'), join(work, 'node_modules'))

/** A clean environment: whatever this shell points at must not help or hurt. */
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) =>
      !/^(NODE_ENV|APP_|HOST$|PORT$|DB_|SQLITE_|MYSQL_|XERO_|AUTOTASK_|SLACK_|SANDBOX_)/.test(name)
  )
)
const demoEnv = {
  ...baseEnv,
  PORT: String(port),
  SANDBOX_AUTOTASK_PORT: String(autotaskPort),
  SANDBOX_XERO_PORT: String(xeroPort),
  SANDBOX_SLACK_PORT: String(slackPort),
}

const step = (text) =>
  console.log(`demo check (${((Date.now() - started) / 1000).toFixed(0)} s): ${text}`)

/** A console command as a user types it in a second terminal: the shell's environment, nothing else. */
function run(command, { status = 0, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd: work, env: baseEnv })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal) output += `\n(killed by ${signal})`
      try {
        assert.equal(
          code,
          status,
          `"${command}" exited ${code} (expected ${status}):\n${output.slice(-3000)}`
        )
        assert.doesNotMatch(
          output,
          /ENOTFOUND|api\.xero\.com|webservices\.autotask\.net/,
          `${command}: ${output}`
        )
        step(`${command.split('\n')[0].slice(0, 100)} → exit ${code}`)
        resolve(output)
      } catch (error) {
        reject(error)
      }
    })
  })
}

let demo = null
let demoOutput = ''

/** `npm run demo`, resolving with its banner. */
function startDemo() {
  demoOutput = ''
  demo = spawn('npm', ['run', 'demo'], {
    cwd: work,
    env: demoEnv,
    detached: true, // its own process group, so "Ctrl+C" below reaches it and its children, as a terminal's does
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const collect = (chunk) => (demoOutput += chunk.toString())
  demo.stdout.on('data', collect)
  demo.stderr.on('data', collect)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the demo did not start:\n${demoOutput}`)),
      150_000
    )
    const check = setInterval(() => {
      if (/Stop\s+Ctrl\+C.*\n/.test(demoOutput)) {
        clearInterval(check)
        clearTimeout(timer)
        resolve(demoOutput)
      }
    }, 200)
    demo.on('exit', (code) => {
      clearInterval(check)
      clearTimeout(timer)
      reject(new Error(`the demo exited (${code}):\n${demoOutput}`))
    })
  })
}

/** Ctrl+C in the demo's terminal: SIGINT to every process of its group. */
async function stopDemo() {
  const exited = new Promise((resolve) => demo.once('exit', resolve))
  demo.removeAllListeners('exit')
  process.kill(-demo.pid, 'SIGINT')
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))])
  // Its children (sandboxes, web, worker) end with it; wait until their ports are free.
  for (let attempt = 0; attempt < 50; attempt++) {
    if (spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${xeroPort}`]).status !== 0) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error('the demo left its sandboxes running after Ctrl+C')
}

/** Rows of the demo's SQLite database, read as it runs. */
const rowsOf = (table, where, ...params) => {
  const db = new Database(join(work, 'tmp/db.sqlite3'), { readonly: true, fileMustExist: true })
  try {
    return db.prepare(`select * from ${table} where ${where}`).all(...params)
  } finally {
    db.close()
  }
}
const records = (where, ...params) => rowsOf('invoice_records', where, ...params)
const auditRows = (where, ...params) => rowsOf('audit_events', where, ...params)

async function xeroInvoices() {
  return await (await fetch(`${xeroUrl}/_sandbox/invoices`)).json()
}

async function until(what, test, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await test()
    if (value) return value
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** The billing-run curl the banner prints, run as printed; the new invoices then sync. */
async function billingRunSyncs(banner) {
  const curl = banner.match(/New billing run:\s+(curl .*)/)?.[1]
  assert.ok(curl, `the banner prints the billing-run curl:\n${banner}`)
  const answer = (await run(curl)).match(/\{"batchID".*\}/)?.[0] // curl's progress meter goes to stderr
  assert.ok(answer, 'the billing run answers with its invoices')
  const { invoiceIds } = JSON.parse(answer)
  assert.equal(invoiceIds.length, 5)
  await run('node ace sync:run --product=1')
  const done = await until('the billing run to sync', () => {
    const rows = records(`autotask_id in (${invoiceIds.map(() => '?').join(',')})`, ...invoiceIds)
    return rows.length === 5 && rows.every((row) => row.status !== 'pending') ? rows : null
  })
  for (const row of done) {
    assert.doesNotMatch(row.fault_reason ?? '', /could not be found/i, JSON.stringify(row))
  }
  assert.ok(
    done.some((row) => row.status === 'synced'),
    `some billing-run invoices sync: ${JSON.stringify(done.map((row) => [row.status, row.fault_reason]))}`
  )
  return done
}

/** The README's command table: every command in its first column. */
function readmeCommands() {
  const readme = readFileSync(join(source, 'README.md'), 'utf8')
  const table = readme.split('## Commands')[1].split('\n## ')[0]
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split(' | ')[0].matchAll(/`([^`]+)`/g)].map((match) => match[1]))
}

/** Rows run elsewhere, and why: each is still named, so a new row must be placed here or run below. */
const notAgainstTheDemo = {
  'npm test': '.ci/run runs it on SQLite',
  'DB_CONNECTION=mysql npm test': '.ci/run runs it on MySQL',
  'node ace test unit': 'one suite of npm test, which .ci/run runs',
  'npm run bench:sync': 'a benchmark on MySQL with its own sandboxes (minutes)',
  'npm run bench:web': 'a benchmark on MySQL with its own server (minutes)',
  'npm run bench:scale':
    'a benchmark on MySQL with a hundred sandbox databases and organisations and its own workers (minutes)',
  'bash .ci/run': 'this script is part of it',
  'npm run lint': '.ci/run runs it',
  'npm run format': 'rewrites files; npm run lint checks the formatting',
  'node ace slack:socket':
    'needs a Slack app-level token (SLACK_APP_TOKEN), which the demo does not set; the socket-mode tests hold the socket against the Slack sandbox',
}

/** Runs the chains two at a time (CI has two cores): as several terminals could, without starving the demo. */
async function inParallel(chains, width = 2) {
  const queue = [...chains]
  const errors = []
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (queue.length)
        await queue
          .shift()()
          .catch((error) => errors.push(error))
    })
  )
  if (errors.length) throw errors[0]
}

const ran = new Set()
const named = (command) => ran.add(command)

try {
  const commands = readmeCommands()
  assert.ok(commands.length > 10, 'the README has its command table')

  step(`npm run demo on a fresh copy in ${work}`)
  const banner = await startDemo()
  named('npm run demo')
  // Item 4: a first run looks like one, and the Autotask sandbox's credentials are in the banner and the README.
  assert.doesNotMatch(demoOutput, /Upgrading migrations version/)
  assert.match(banner, /First run/)
  assert.match(
    banner,
    /Autotask sandbox credentials.*api@demo\.example \/ Sandbox-Secret-4242! \(integration code SANDBOX7INTEGRATION2CODE\)/
  )
  const readme = readFileSync(join(source, 'README.md'), 'utf8')
  for (const secret of ['api@demo.example', 'Sandbox-Secret-4242!', 'SANDBOX7INTEGRATION2CODE'])
    assert.ok(readme.includes(secret), `the README names the Autotask sandbox's ${secret}`)

  // Item 3: the app's own 404 page, not the framework's debug page (source, headers, cookies).
  const missing = await fetch(`${appUrl}/no-such-page`)
  const page = await missing.text()
  assert.equal(missing.status, 404)
  assert.match(page, /Page not found · Accounting Toolbox/)
  assert.doesNotMatch(page, /youch|node_modules|Request headers|\.ts:\d+/i)
  step("a missing page is the app's own 404 page")

  // Item 1: every console command the README names reaches the demo. Chains that do not depend on
  // each other run side by side, as they could in several terminals, to keep CI fast.
  await until(
    'the worker to sync the seeded invoices',
    async () => (await xeroInvoices()).length >= 50
  )
  // Xero answers a batch before the engine records its outcome (several batches are in flight): wait for the row.
  await until(
    'an invoice recorded as synced',
    async () => records("status = 'synced' order by autotask_id limit 1").length > 0
  )
  const synced = records("status = 'synced' order by autotask_id limit 1")[0]
  assert.ok(synced, 'an invoice synced')
  await inParallel([
    async () => {
      assert.match(
        await run('node ace sync:run --product=1'),
        /Product #1 .*: (run #\d+ succeeded|.*already)/
      )
      named('node ace sync:run [--product=ID]')
      assert.match(
        await run(`node ace sync:resync ${synced.invoice_number} --product=1`),
        /Pending Sync again/
      )
      named('node ace sync:resync <Autotask id or invoice number> [--product=ID]')
      // After the run: pausing a product cancels its running sync.
      await run('node ace products:pause 1')
      assert.match(await run('node ace products:list'), /Demo Autotask → Xero.*\n?.*Paused/i)
      await run('node ace products:resume 1')
      named('node ace products:list')
      named('products:pause <id>')
      named('products:resume <id>')
    },
    async () => {
      await run(
        'node ace slack:connect "Demo MSP" --token=xoxb-sandbox-0000-bot-token --signing-secret=demo-signing-secret-not-for-production'
      )
      named('node ace slack:connect "<account>" --token=xoxb-… --signing-secret=…')
      await run('node ace slack:link demo@example.com U0DEMO')
      named('node ace slack:link <email> <SlackUserId>')
      await run('node ace slack:flush')
      named('node ace slack:flush')
      const signed = await run('node ace slack:sign "status"')
      const curl = signed.slice(signed.indexOf('curl ')).split('\n[')[0]
      assert.ok(
        curl.includes(`'${appUrl}/slack/commands'`),
        `slack:sign names the demo's URL:\n${signed}`
      )
      assert.match(await run(curl), /Demo Autotask → Xero/)
      named('node ace slack:sign "<text>"')
    },
    async () => {
      await run('node ace sync:orphans --product=1')
      named('node ace sync:orphans --product=ID [--since=YYYY-MM-DD]')
    },
    async () => {
      // The preview and the contact report read the demo's Autotask and Xero and write nothing there.
      const preview = await run('node ace sync:preview 1')
      assert.match(preview, /Invoices: \d+ ready, \d+ with errors/)
      assert.match(preview, /Nothing was written to Xero or to the records\./)
      named('node ace sync:preview <product id> [--json]')
      const report = await run('node ace contacts:report 1')
      assert.match(report, /Product #1 .*: \d+ linked/)
      named('node ace contacts:report <id> [--search=…]')
    },
    async () => {
      await run(
        'node ace user:create --email=check@example.com --password=check-password-42 --account="Check MSP" --role=owner'
      )
      named(
        'node ace user:create --email=… --password=… --account=… --role=owner [--plan=…] [--staff]'
      ) // The demo's console actions above are in its audit trail, and none is older than the retention.
      assert.match(
        await run('node ace audit:prune'),
        /0 audit row\(s\) older than \d{4}-\d{2}-\d{2} deleted/
      )
      assert.ok(
        auditRows("face = 'console' and action = 'user.added'").length === 1,
        'user:create is in the audit trail, as a console action'
      )
      named('node ace audit:prune')
    },
    async () => {
      assert.match(await run('node ace migration:run'), /Already up to date/)
      named('node ace migration:run')
    },
    async () => {
      const second = await run('node ace sandbox:serve', { status: 1 })
      assert.match(second, /still running\?/)
      assert.doesNotMatch(second, /^\s+at /m, 'one clear line, no stack trace')
      named('node ace sandbox:serve [--state=FILE]')
    },
    async () => {
      // Started, then SIGTERM once it is up: it stops within seconds, exit code 143.
      const worker = spawn('node', ['ace', 'scheduler:work'], { cwd: work, env: baseEnv })
      let output = ''
      worker.stdout.on('data', (chunk) => (output += chunk))
      worker.stderr.on('data', (chunk) => (output += chunk))
      const exited = new Promise((resolve) => worker.on('exit', resolve))
      await until('scheduler:work to start', () => /worker started/i.test(output), 120_000)
      const stopAsked = Date.now()
      worker.kill('SIGTERM')
      const code = await exited
      assert.equal(code, 143, `scheduler:work on SIGTERM:\n${output}`)
      assert.ok(Date.now() - stopAsked < 10_000, 'scheduler:work stops within seconds')
      step('node ace scheduler:work → SIGTERM → exit 143')
      named('node ace scheduler:work')
    },
  ])
  await billingRunSyncs(banner)

  // Item 2: Ctrl+C, then npm run demo again, carries on.
  step('Ctrl+C, then npm run demo again')
  await stopDemo()
  const again = await startDemo()
  assert.match(again, /Carrying on/)
  assert.match(
    await run(`node ace sync:resync ${synced.invoice_number} --product=1`),
    /Pending Sync again/
  )
  await run('node ace sync:run --product=1')
  const after = await until('the resynced invoice to sync', () => {
    const row = records('id = ?', synced.id)[0]
    return row.status !== 'pending' ? row : null
  })
  assert.equal(after.status, 'synced', `resync after a restart: ${after.fault_reason}`)
  await billingRunSyncs(again)
  const faults = records("fault_reason like '%could not be found%'")
  assert.deepEqual(faults, [], 'nothing faults with "could not be found" after a restart')

  // npm run dev keeps the framework's debug page (the demo does not).
  const dev = spawn('npm', ['run', 'dev'], {
    cwd: work,
    env: { ...baseEnv, PORT: String(port + 1) },
    detached: true,
    stdio: 'ignore',
  })
  try {
    const debugPage = await until('npm run dev to serve', async () => {
      try {
        const response = await fetch(`http://localhost:${port + 1}/no-such-page`)
        return response.status === 404 ? await response.text() : null
      } catch {
        return null
      }
    })
    assert.match(debugPage, /youch/i, "npm run dev shows the framework's debug page")
    step('npm run dev keeps the debug page')
  } finally {
    process.kill(-dev.pid, 'SIGTERM')
  }
  named('npm run dev')

  for (const command of commands) {
    assert.ok(
      ran.has(command) || notAgainstTheDemo[command],
      `the README names "${command}": run it here against the demo, or say in notAgainstTheDemo why not`
    )
  }
  await stopDemo()
  // With the demo stopped, a console command fails with the reason, not a lookup of the real services.
  const down = await run('node ace sync:run --product=1', { status: 1 })
  assert.match(down, /Xero could not be reached: connect ECONNREFUSED/)
  console.log(
    `demo check: every README command ran against the demo (${((Date.now() - started) / 1000).toFixed(0)} s)`
  )
} catch (error) {
  console.error(`demo check FAILED: ${error.message}`)
  if (demo && demo.exitCode === null) console.error(demoOutput.slice(-4000))
  process.exitCode = 1
} finally {
  if (demo && demo.exitCode === null) {
    try {
      process.kill(-demo.pid, 'SIGTERM')
    } catch {}
  }
  if (!process.env.DEMO_CHECK_KEEP) rmSync(work, { recursive: true, force: true })
}
