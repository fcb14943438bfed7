import { test } from '@japa/runner'
import ace from '@adonisjs/core/services/ace'
import { hostname } from 'node:os'
import { DateTime } from 'luxon'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import AuditEvent from '#models/audit_event'
import Account from '#models/account'
import type User from '#models/user'
import AuditService from '#services/audit_service'
import ProductsPause from '#commands/products_pause'
import AuditPrune from '#commands/audit_prune'
import app from '@adonisjs/core/services/app'
import { asBytes } from '#tests/helpers/downloads'

/** The trail of an account, oldest first, as [action, who, face]. */
async function trailOf(accountId: number | null) {
  const rows = await AuditEvent.query()
    .where((query) =>
      accountId === null ? query.whereNull('account_id') : query.where('account_id', accountId)
    )
    .orderBy('id')
  return rows
}

test.group('Audit trail: what the web records', (group) => {
  group.each.setup(resetDatabase)

  test('pause, resume, Sync Now, resync, skip and unskip are recorded with the person, IP and target', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({
      accountId: owner.accountId,
      name: 'Contoso',
    }).create()
    const invoice = await InvoiceRecordFactory.merge({
      productId: product.id,
      status: 'fault',
      invoiceNumber: 'INV-77',
    }).create()

    const setStatus = async (status: string) =>
      (
        await client
          .put(`/products/${product.id}/status`)
          .withCsrfToken()
          .loginAs(owner)
          .form({ status })
          .redirects(0)
      ).assertStatus(302)
    await setStatus('active')
    await client.post(`/products/${product.id}/sync`).withCsrfToken().loginAs(owner).redirects(0)
    await setStatus('paused')
    for (const action of ['resync', 'skip', 'unskip']) {
      ;(
        await client
          .post(`/products/${product.id}/invoices/${invoice.id}/${action}`)
          .withCsrfToken()
          .loginAs(owner)
          .redirects(0)
      ).assertStatus(302)
    }

    const rows = await trailOf(owner.accountId)
    assert.deepEqual(
      rows.map((row) => row.action),
      [
        'product.resumed',
        'product.sync_requested',
        'product.paused',
        'record.resync',
        'record.skip',
        'record.unskip',
      ]
    )
    for (const row of rows) {
      assert.equal(row.face, 'web')
      assert.equal(row.actorUserId, owner.id)
      assert.equal(row.actorLabel, owner.email)
      assert.equal(row.productId, product.id)
      assert.equal(row.productName, 'Contoso')
      assert.match(row.ip ?? '', /127\.0\.0\.1|::1/)
    }
    assert.deepInclude(rows[3].$attributes, {
      recordKind: 'invoice',
      recordId: invoice.id,
      recordLabel: 'INV-77',
    })
  })

  test('a refused action records nothing', async ({ client, assert }) => {
    const viewer = await UserFactory.with('account').apply('viewer').create()
    const product = await ProductFactory.merge({ accountId: viewer.accountId }).create()
    const response = await client
      .put(`/products/${product.id}/status`)
      .withCsrfToken()
      .loginAs(viewer)
      .form({ status: 'active' })
    response.assertStatus(403)
    assert.lengthOf(await AuditEvent.all(), 0)
  })

  test('settings record old → new; users and roles; failed sign-ins; staff switching in', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    await client
      .put(`/products/${product.id}/settings`)
      .withCsrfToken()
      .loginAs(owner)
      .form({
        invoiceStatus: 'AUTHORISED',
        numbering: 'xero',
        dueDateSource: 'autotask',
        daysBack: '45',
        maxTransientAttempts: '5',
        roundingTolerance: '0.05',
        purchaseOrderDocumentType: 'BILL',
        // one of the PO statuses the live list offers (the product has no Autotask list yet: the defaults)
        purchaseOrderTriggerStatus: '2',
      })
      .redirects(0)
    await client
      .post('/users')
      .withCsrfToken()
      .loginAs(owner)
      .form({ email: 'new@example.com', password: 'first-password-long', role: 'viewer' })
      .redirects(0)
    const added = await AuditEvent.findByOrFail('action', 'user.added')
    const newcomer = await UserFactory.merge({ accountId: owner.accountId })
      .apply('viewer')
      .create()
    await client
      .put(`/users/${newcomer.id}`)
      .withCsrfToken()
      .loginAs(owner)
      .form({ role: 'admin' })
      .redirects(0)
    await client
      .post('/login')
      .withCsrfToken()
      .form({ email: owner.email, password: 'not-the-password' })
    await client
      .post('/login')
      .withCsrfToken()
      .form({ email: 'nobody@example.com', password: 'not-the-password' })

    const staff = await UserFactory.with('account').apply('staff').create()
    await client
      .post(`/staff/accounts/${owner.accountId}/switch`)
      .withCsrfToken()
      .loginAs(staff)
      .redirects(0)

    const rows = await trailOf(owner.accountId)
    assert.deepEqual(
      rows.map((row) => row.action),
      [
        'product.settings_changed',
        'user.added',
        'user.role_changed',
        'session.sign_in_failed',
        'staff.switched_in',
      ]
    )
    const changes = rows[0].details!.changes!
    assert.deepEqual(changes.invoiceStatus, { from: 'DRAFT', to: 'AUTHORISED' })
    assert.deepEqual(changes.daysBack, { from: 30, to: 45 })
    assert.deepInclude(added.details!, { email: 'new@example.com', role: 'viewer' })
    assert.notInclude(JSON.stringify(added.details), 'first-password-long')
    assert.deepEqual(rows[2].details!.changes!.role, { from: 'viewer', to: 'admin' })
    assert.equal(rows[3].actorLabel, 'signed out')
    assert.deepInclude(rows[3].details!, { email: owner.email, why: 'wrong password' })
    assert.notInclude(JSON.stringify(rows[3].details), 'not-the-password')
    assert.equal(rows[4].actorUserId, staff.id)
    // The unknown e-mail is kept too, under no account (staff see it).
    const unknown = await trailOf(null)
    assert.deepEqual(
      unknown.map((row) => [row.action, row.details!.email]),
      [['session.sign_in_failed', 'nobody@example.com']]
    )
  })
})

test.group('Audit trail: the page and its exports', (group) => {
  group.each.setup(resetDatabase)

  async function seeded() {
    const owner = await UserFactory.with('account').create()
    const admin = await UserFactory.merge({ accountId: owner.accountId }).apply('admin').create()
    const viewer = await UserFactory.merge({ accountId: owner.accountId }).apply('viewer').create()
    const stranger = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({
      accountId: owner.accountId,
      name: 'Contoso',
    }).create()
    const audit = await app.container.make(AuditService)
    const web = (user: User) => ({
      face: 'web' as const,
      userId: user.id,
      label: user.email,
      ip: '10.0.0.9',
    })
    await audit.record(web(owner), 'product.paused', { accountId: owner.accountId, product })
    await audit.record(web(admin), 'product.resumed', { accountId: owner.accountId, product })
    await audit.record(web(admin), 'user.added', {
      accountId: owner.accountId,
      details: { email: 'x@example.com', password: 'hunter2-long-secret' },
    })
    await audit.record(web(stranger), 'product.paused', { accountId: stranger.accountId })
    return { owner, admin, viewer, stranger, product }
  }

  test('owners and admins see their own account, filtered; viewers get no page and no link', async ({
    client,
    assert,
  }) => {
    const { owner, admin, viewer, stranger, product } = await seeded()
    const page = await client.get('/audit').loginAs(owner)
    page.assertStatus(200)
    assert.lengthOf(page.text().match(/data-testid="audit-row"/g) ?? [], 3)
    assert.notInclude(page.text(), stranger.email)
    assert.include(page.text(), '10.0.0.9')
    assert.include(page.text(), 'password: ••••••')
    assert.notInclude(page.text(), 'hunter2')

    const byPerson = await client
      .get(`/audit?person=${encodeURIComponent(admin.email)}`)
      .loginAs(admin)
    assert.lengthOf(byPerson.text().match(/data-testid="audit-row"/g) ?? [], 2)
    // Part of an e-mail, in any case, finds the person; LIKE's wildcards are only characters.
    const part = admin.email.split('@')[0].slice(1).toUpperCase()
    const byPart = await client.get(`/audit?person=${encodeURIComponent(part)}`).loginAs(admin)
    assert.lengthOf(byPart.text().match(/data-testid="audit-row"/g) ?? [], 2)
    const wildcard = await client.get('/audit?person=%25').loginAs(owner)
    assert.include(wildcard.text(), 'Nothing recorded that matches.')
    const byAction = await client
      .get(`/audit?action=product.paused&productId=${product.id}`)
      .loginAs(owner)
      .header('HX-Request', 'true')
      .header('HX-Target', 'audit-table')
    byAction.assertStatus(200)
    assert.notInclude(byAction.text(), '<html')
    assert.lengthOf(byAction.text().match(/data-action="product.paused"/g) ?? [], 1)
    const future = await client.get('/audit?from=2999-01-01').loginAs(owner)
    assert.include(future.text(), 'Nothing recorded that matches.')
    const today = DateTime.utc().toISODate()
    const byDate = await client.get(`/audit?from=${today}&to=${today}`).loginAs(owner)
    assert.lengthOf(byDate.text().match(/data-testid="audit-row"/g) ?? [], 3)

    const bad = await client.get('/audit?action=drop.tables&from=yesterday').loginAs(owner)
    bad.assertStatus(422)
    bad.assertTextIncludes('The audit filters are not valid')

    ;(await client.get('/audit').loginAs(viewer)).assertStatus(403)
    ;(await client.get('/audit/export/csv').loginAs(viewer)).assertStatus(403)
    const dashboard = await client.get('/').loginAs(viewer)
    assert.notInclude(dashboard.text(), '/audit"')
    assert.include((await client.get('/').loginAs(owner)).text(), 'href="/audit"')
    // The staff routes do not exist for anyone else (StaffMiddleware answers 404).
    ;(await client.get('/staff/audit').loginAs(owner)).assertStatus(404)
  })

  test('exports hold the filtered rows as CSV and Excel', async ({ client, assert }) => {
    const { owner, admin, stranger } = await seeded()
    const csv = await client.get('/audit/export/csv?action=product.resumed').loginAs(owner)
    csv.assertStatus(200)
    csv.assertHeader('content-type', 'text/csv; charset=utf-8')
    const lines = csv
      .text()
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    assert.lengthOf(lines, 2)
    assert.include(lines[0], 'When (UTC),Account ID,Who,From,IP address')
    assert.include(lines[1], `${admin.email},web,10.0.0.9`)
    assert.include(lines[1], 'Product resumed,Contoso')
    const all = await client.get('/audit/export/csv').loginAs(owner)
    assert.notInclude(all.text(), stranger.email)
    assert.notInclude(all.text(), 'hunter2')

    const xlsx = await client.get('/audit/export/xlsx').loginAs(owner).setup(asBytes)
    xlsx.assertStatus(200)
    assert.include(xlsx.header('content-type'), 'spreadsheetml')
    const { default: ExcelJS } = await import('exceljs')
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.body())
    assert.equal(workbook.getWorksheet('Audit trail')!.rowCount, 4)
  })

  test('staff see every account’s trail', async ({ client, assert }) => {
    const { owner, stranger } = await seeded()
    const staff = await UserFactory.with('account').apply('staff').create()
    await Account.query().where('id', owner.accountId).update({ name: 'Northwind IT' })
    await Account.query().where('id', stranger.accountId).update({ name: 'Fabrikam MSP' })
    const page = await client.get('/staff/audit').loginAs(staff)
    page.assertStatus(200)
    assert.include(page.text(), owner.email)
    assert.include(page.text(), stranger.email)
    assert.lengthOf(page.text().match(/data-testid="audit-row"/g) ?? [], 4)
    // Each row names its account, not just its number.
    assert.include(page.text(), `Northwind IT (#${owner.accountId})`)
    assert.include(page.text(), `Fabrikam MSP (#${stranger.accountId})`)
  })
})

test.group('Audit trail: append-only, console, retention', (group) => {
  group.each.setup(resetDatabase)
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  test('a row cannot be changed or deleted through the model', async ({ assert }) => {
    const owner = await UserFactory.with('account').create()
    const audit = await app.container.make(AuditService)
    const row = await audit.record(audit.consoleActor(), 'product.paused', {
      accountId: owner.accountId,
    })
    row.action = 'product.resumed'
    await assert.rejects(() => row.save(), /append-only/)
    await assert.rejects(() => row.delete(), /append-only/)
    const stored = await AuditEvent.findOrFail(row.id)
    assert.equal(stored.action, 'product.paused')
  })

  test('a console action is recorded as console with the host', async ({ assert }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId })
      .apply('active')
      .create()
    const command = await ace.create(ProductsPause, [String(product.id)])
    await command.exec()
    command.assertSucceeded()
    const [row] = await trailOf(owner.accountId)
    assert.equal(row.action, 'product.paused')
    assert.equal(row.face, 'console')
    assert.equal(row.host, hostname())
    assert.match(row.actorLabel, new RegExp(`^console@${hostname()} \\(`))
    assert.equal(row.productId, product.id)
  })

  test('secrets in details are masked before they are stored', async ({ assert }) => {
    const audit = await app.container.make(AuditService)
    const row = await audit.record(audit.consoleActor(), 'slack.connected', {
      accountId: null,
      details: {
        workspace: 'T1',
        botToken: 'xoxb-real-token',
        changes: { secret: { from: 'old-secret', to: 'new-secret' }, zone: { from: 1, to: 2 } },
      },
    })
    const stored = JSON.stringify((await AuditEvent.findOrFail(row.id)).details)
    assert.notInclude(stored, 'xoxb-real-token')
    assert.notInclude(stored, 'old-secret')
    assert.include(stored, '"zone":{"from":1,"to":2}')
    assert.include(stored, '"workspace":"T1"')
  })

  test('audit:prune deletes rows past the retention (400 days by default) and keeps the rest', async ({
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const audit = await app.container.make(AuditService)
    const now = DateTime.utc()
    for (const days of [401, 399, 1]) {
      await AuditEvent.create({
        accountId: owner.accountId,
        occurredAt: now.minus({ days }),
        face: 'web',
        action: 'product.paused',
        actorLabel: `${days} days ago`,
        actorUserId: null,
      })
    }
    const command = await ace.create(AuditPrune, [])
    await command.exec()
    command.assertSucceeded()
    assert.deepEqual(
      (await trailOf(owner.accountId)).map((row) => row.actorLabel),
      ['399 days ago', '1 days ago']
    )
    const shorter = await audit.prune(30)
    assert.equal(shorter.deleted, 1)
  })
})
