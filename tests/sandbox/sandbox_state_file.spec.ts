import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { startAutotaskSandbox, AUTOTASK_SANDBOX_USER } from '#sandbox/autotask/index'
import { startXeroSandbox, XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { startSlackSandbox, SLACK_SANDBOX_BOT_TOKEN } from '#sandbox/slack/index'
import { SandboxStateFile, SandboxStateFileError } from '#sandbox/persistence'

/*
| `sandbox:serve --state=FILE` (npm run demo): a restarted sandbox holds what it held, so the
| demo's database, which links invoices and contacts by their ids, still finds them (issue 18).
| The sandboxes are started for real and spoken to over HTTP, before and after the restart.
*/

async function startAll() {
  const autotask = await startAutotaskSandbox({ port: 0, invoices: 30, companies: 8 })
  const xero = await startXeroSandbox({ port: 0 })
  const slack = await startSlackSandbox({ port: 0 })
  return {
    autotask,
    xero,
    slack,
    file: (path: string) =>
      new SandboxStateFile(path, {
        autotask: autotask.state,
        xero: xero.state,
        slack: slack.state,
      }),
    close: () => Promise.all([autotask.close(), xero.close(), slack.close()]),
  }
}

const autotaskHeaders = {
  'content-type': 'application/json',
  'UserName': AUTOTASK_SANDBOX_USER.username,
  'Secret': AUTOTASK_SANDBOX_USER.secret,
  'ApiIntegrationCode': AUTOTASK_SANDBOX_USER.integrationCode,
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as any }
}

test.group('Sandboxes: state kept in a file across a restart', (group) => {
  let directory: string
  group.each.setup(() => {
    directory = mkdtempSync(join(tmpdir(), 'sandbox-state-'))
    return () => rmSync(directory, { recursive: true, force: true })
  })

  test('invoices, contacts, tokens and Slack messages are there after a restart; new ids carry on', async ({
    assert,
  }) => {
    const path = join(directory, 'state.json')
    const tenantId = XERO_SANDBOX_TENANTS.nz.tenantId
    const before = await startAll()
    const billingRun = await post(`${before.autotask.knobsUrl}/billing-runs`, { invoices: 3 })
    const connection = await post(`${before.xero.url}/_sandbox/connect`, { tenantIds: [tenantId] })
    const xeroHeaders = {
      'authorization': `Bearer ${connection.body.accessToken}`,
      'xero-tenant-id': tenantId,
      'accept': 'application/json',
    }
    const contact = await fetch(`${before.xero.apiUrl}/Contacts`, {
      method: 'PUT',
      headers: { ...xeroHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ Contacts: [{ Name: 'Restart Survivors Ltd' }] }),
    })
    const contactId = ((await contact.json()) as any).Contacts[0].ContactID
    const posted = await post(
      `${before.slack.apiUrl}chat.postMessage`,
      { channel: '#billing-alerts', text: 'before the restart' },
      { authorization: `Bearer ${SLACK_SANDBOX_BOT_TOKEN}` }
    )
    const file = before.file(path)
    file.save(true)
    await before.close()

    const after = await startAll()
    after.file(path).load()
    try {
      const invoice = await fetch(
        `${after.autotask.url}V1.0/Invoices/${billingRun.body.invoiceIds[0]}`,
        { headers: autotaskHeaders }
      )
      const sameContact = await fetch(`${after.xero.apiUrl}/Contacts/${contactId}`, {
        headers: xeroHeaders,
      })
      const nextRun = await post(`${after.autotask.knobsUrl}/billing-runs`, { invoices: 1 })
      const slackState = (await (await fetch(`${after.slack.url}/_sandbox/state`)).json()) as any

      assert.equal(billingRun.status, 201)
      assert.equal(invoice.status, 200)
      assert.equal(((await invoice.json()) as any).item.id, billingRun.body.invoiceIds[0])
      assert.equal(contact.status, 200)
      assert.equal(sameContact.status, 200, 'the token issued before the restart still works')
      assert.equal(((await sameContact.json()) as any).Contacts[0].Name, 'Restart Survivors Ltd')
      assert.isAbove(nextRun.body.invoiceIds[0], Math.max(...billingRun.body.invoiceIds))
      assert.isTrue(posted.body.ok)
      assert.include(JSON.stringify(slackState), 'before the restart')
    } finally {
      await after.close()
    }
  })

  test('no file: the seed, and the first save writes one', async ({ assert }) => {
    const path = join(directory, 'state.json')
    const sandboxes = await startAll()
    try {
      const file = sandboxes.file(path)
      assert.isFalse(file.load())
      assert.isTrue(file.save())
      assert.isFalse(file.save(), 'nothing changed, nothing written')
      await post(`${sandboxes.autotask.knobsUrl}/billing-runs`, { invoices: 1 })
      assert.isTrue(file.save(), 'a billing run is a change')
      assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, 1)
    } finally {
      await sandboxes.close()
    }
  })

  test('a file that cannot be read stops the start and is left as it was', async ({ assert }) => {
    const path = join(directory, 'state.json')
    writeFileSync(path, '{"version": 1, "autotask": ')
    const sandboxes = await startAll()
    try {
      assert.throws(() => sandboxes.file(path).load(), /cannot be read .*move it away/)
      assert.instanceOf(
        (() => {
          try {
            sandboxes.file(path).load()
          } catch (error) {
            return error
          }
        })(),
        SandboxStateFileError
      )
      assert.equal(readFileSync(path, 'utf8'), '{"version": 1, "autotask": ')
    } finally {
      await sandboxes.close()
    }
  })
})
