import { test } from '@japa/runner'
import ExcelJS from 'exceljs'
import ace from '@adonisjs/core/services/ace'
import ContactsReport from '#commands/contacts_report'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import AuditEvent from '#models/audit_event'
import Link from '#models/link'
import Product from '#models/product'
import db from '@adonisjs/lucid/services/db'
import { toSqlDateTime } from '#models/columns'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import {
  keyedContact,
  reportWorld,
  startReportWorld,
  statesOf,
  type World,
} from '#tests/helpers/contact_world'
import { asBytes } from '#tests/helpers/downloads'

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

test.group('Contact report', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startReportWorld()
    return () => world.close()
  })

  test('every company with invoices shows its link state: linked, matched by name, ambiguous with its candidates, none', async ({
    client,
    assert,
  }) => {
    const { linked, matched, ambiguous, none, linkedContact } = await reportWorld(world)
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const before = world.xero.state.callCounts['GET /Contacts'] ?? 0

    const page = await client.get(`/products/${world.product.id}/contacts`).loginAs(owner)
    page.assertStatus(200)
    const states = statesOf(page.text())
    assert.equal(states.get(Number(linked.id)), 'linked')
    assert.equal(states.get(Number(matched.id)), 'matched')
    assert.equal(states.get(Number(ambiguous.id)), 'ambiguous')
    assert.equal(states.get(Number(none.id)), 'none')
    assert.include(page.text(), `${linked.companyName} (Xero)`)
    assert.include(page.text(), 'Faults (contact creation is off in Settings)')
    assert.equal(linkedContact.ContactNumber, String(linked.id))
    // The candidates are read a few companies a call, never one call per company.
    const reads = (world.xero.state.callCounts['GET /Contacts'] ?? 0) - before
    assert.isAtMost(reads, Math.ceil(states.size / 10) * 2)

    const ambiguousRow = new RegExp(
      `data-company-id="${ambiguous.id}"[\\s\\S]*?data-testid="contact-candidates">([\\s\\S]*?)</td>`
    ).exec(page.text())![1]
    assert.include(ambiguousRow, String(ambiguous.companyName))
    assert.include(ambiguousRow, String(ambiguous.companyName).replace(' ', '  '))

    const search = await client
      .get(`/products/${world.product.id}/contacts`)
      .qs({ q: String(matched.companyName).split(' ')[1].toLowerCase() })
      .header('HX-Request', 'true')
      .header('HX-Target', 'contact-report')
      .loginAs(owner)
    search.assertStatus(200)
    assert.notInclude(search.text(), '<html')
    assert.isTrue(statesOf(search.text()).has(Number(matched.id)))
    for (const id of statesOf(search.text()).keys()) {
      const name = String(world.autotask.state.tables.Companies.get(id)!.companyName)
      assert.include(name.toLowerCase(), String(matched.companyName).split(' ')[1].toLowerCase())
    }
  }).timeout(90_000)

  test('Link joins a company to the chosen candidate, Create makes its Xero contact; both audited, a viewer may do neither', async ({
    client,
    assert,
  }) => {
    const { matched, ambiguous, none, twinB, matchedContact } = await reportWorld(world)
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const viewer = await UserFactory.merge({ accountId: world.product.accountId })
      .apply('viewer')
      .create()
    const url = (companyId: unknown, action: string) =>
      `/products/${world.product.id}/contacts/${companyId}/${action}`

    const denied = await client
      .post(url(ambiguous.id, 'link'))
      .form({ contactId: twinB.ContactID })
      .withCsrfToken()
      .loginAs(viewer)
    denied.assertStatus(403)
    const deniedCreate = await client.post(url(none.id, 'create')).withCsrfToken().loginAs(viewer)
    deniedCreate.assertStatus(403)
    const viewerPage = await client.get(`/products/${world.product.id}/contacts`).loginAs(viewer)
    assert.notInclude(viewerPage.text(), 'data-testid="contact-link"')
    assert.notInclude(viewerPage.text(), 'data-testid="contact-create"')

    // A contact that is not a candidate of the company is refused, and nothing is linked.
    const wrong = await client
      .post(url(matched.id, 'link'))
      .form({ contactId: twinB.ContactID })
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(owner)
    wrong.assertStatus(422)
    assert.include(wrong.text(), 'not a candidate')

    // With "fill contact details when linking" on, the chosen contact gets what it lacks.
    const product = await Product.findOrFail(world.product.id)
    product.settings = { ...(product.settings ?? {}), fillLinkedContacts: true }
    await product.save()
    const linked = await client
      .post(url(ambiguous.id, 'link'))
      .form({ contactId: twinB.ContactID })
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(owner)
    linked.assertStatus(200)
    assert.equal(statesOf(linked.text()).get(Number(ambiguous.id)), 'linked')
    const link = await Link.query()
      .where('product_id', world.product.id)
      .where('kind', 'company_contact')
      .where('autotask_id', Number(ambiguous.id))
      .firstOrFail()
    assert.equal(link.xeroId, twinB.ContactID)
    const chosen = world.xero.state
      .organisation(NZ)!
      .contacts.find((c) => c.ContactID === twinB.ContactID)!
    assert.deepInclude(chosen.Phones as object[], {
      PhoneType: 'DEFAULT',
      PhoneNumber: ambiguous.phone,
    })

    const contactsBefore = world.xero.state.organisation(NZ)!.contacts.length
    const created = await client
      .post(url(none.id, 'create'))
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(owner)
    created.assertStatus(200)
    const organisation = world.xero.state.organisation(NZ)!
    assert.lengthOf(organisation.contacts, contactsBefore + 1)
    const made = organisation.contacts.find((c) => c.ContactNumber === String(none.id))!
    assert.equal(made.Name, none.companyName)
    assert.deepInclude(made.Phones as object[], { PhoneType: 'DEFAULT', PhoneNumber: none.phone })
    const createdLink = await Link.query()
      .where('product_id', world.product.id)
      .where('autotask_id', Number(none.id))
      .firstOrFail()
    assert.equal(createdLink.xeroId, made.ContactID)

    // Create refuses a company a contact already matches: it would make a duplicate.
    const duplicate = await client
      .post(url(matched.id, 'create'))
      .header('HX-Request', 'true')
      .withCsrfToken()
      .loginAs(owner)
    duplicate.assertStatus(422)
    assert.lengthOf(organisation.contacts, contactsBefore + 1)
    assert.isUndefined(organisation.contacts.find((c) => c.ContactNumber === String(matched.id)))
    assert.equal(matchedContact.Name, matched.companyName)

    const audit = await AuditEvent.query()
      .where('product_id', world.product.id)
      .whereIn('action', ['contact.linked', 'contact.created'])
      .orderBy('id')
    assert.deepEqual(
      audit.map((event) => [event.action, event.recordId, event.actorUserId]),
      [
        ['contact.linked', Number(ambiguous.id), owner.id],
        ['contact.created', Number(none.id), owner.id],
      ]
    )
    assert.equal(audit[0].details?.contactId, twinB.ContactID)
  }).timeout(90_000)

  test('when Xero cannot be read, linked companies still show and the others say so; nothing fails', async ({
    client,
    assert,
  }) => {
    const { linked, none } = await reportWorld(world)
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
    world.xero.state.faults.push({
      kind: '500',
      remaining: 20,
      pathContains: '/Contacts',
      method: 'GET',
      problem: 'minute',
      retryAfterSeconds: null,
      withoutRetryAfter: false,
    })
    const page = await client.get(`/products/${world.product.id}/contacts`).loginAs(owner)
    page.assertStatus(200)
    assert.include(page.text(), 'contacts could not be read')
    const states = statesOf(page.text())
    assert.equal(states.get(Number(linked.id)), 'linked')
    assert.equal(states.get(Number(none.id)), 'unknown')
    assert.notInclude(page.text(), 'data-testid="contact-create"')

    const csv = await client.get(`/products/${world.product.id}/contacts/export/csv`).loginAs(owner)
    csv.assertStatus(200)
    assert.include(csv.text(), `${none.id},${none.companyName},`)
    assert.include(csv.text(), ',Xero not read,')
  }).timeout(90_000)

  test('node ace contacts:report lists the companies with their state and counts them', async ({
    assert,
  }) => {
    const { linked, ambiguous, none } = await reportWorld(world)
    ace.ui.switchMode('raw')
    try {
      const command = await ace.create(ContactsReport, [String(world.product.id)])
      await command.exec()
      command.assertSucceeded()
      const logs = command.ui.logger.getLogs().map((log) => log.message)
      const line = (id: unknown) => logs.find((row) => row.startsWith(`${id}|`)) ?? ''
      assert.include(line(linked.id), 'Linked')
      assert.include(line(ambiguous.id), 'Ambiguous')
      assert.include(line(none.id), 'No contact')
      assert.match(
        logs.at(-1)!,
        /\d+ linked, 1 matched \(would link\), 1 ambiguous, \d+ no contact/
      )

      const missing = await ace.create(ContactsReport, ['999999'])
      await missing.exec()
      assert.equal(missing.exitCode, 1)
    } finally {
      ace.ui.switchMode('normal')
    }
  }).timeout(90_000)

  test('the CSV and Excel exports hold every company with its state and contact', async ({
    client,
    assert,
  }) => {
    const { linked, matched, ambiguous, none } = await reportWorld(world)
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const csv = await client.get(`/products/${world.product.id}/contacts/export/csv`).loginAs(owner)
    csv.assertStatus(200)
    csv.assertHeader('content-type', 'text/csv; charset=utf-8')
    const lines = csv
      .text()
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    assert.equal(
      lines[0],
      'Autotask company ID,Company,Invoices,State,Xero contact,Xero contact ID,Matched by,Next sync'
    )
    const row = (id: unknown) => lines.find((line) => line.startsWith(`${id},`)) ?? ''
    assert.include(row(linked.id), `,Linked,${linked.companyName} (Xero),`)
    assert.include(row(matched.id), `,Matched (would link),${matched.companyName},`)
    assert.include(row(matched.id), ',name,')
    assert.include(row(ambiguous.id), ',Ambiguous,')
    assert.include(row(none.id), ',No contact,,,,Faults (contact creation is off in Settings)')
    const page = await client.get(`/products/${world.product.id}/contacts`).loginAs(owner)
    assert.lengthOf(lines, statesOf(page.text()).size + 1)

    const xlsx = await client
      .get(`/products/${world.product.id}/contacts/export/xlsx`)
      .loginAs(owner)
      .setup(asBytes)
    xlsx.assertStatus(200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.body())
    const sheet = workbook.getWorksheet('Contacts')!
    assert.equal(sheet.rowCount, lines.length)
    const excelRow = [...Array(sheet.rowCount).keys()]
      .map((index) => sheet.getRow(index + 1))
      .find((r) => r.getCell(1).value === Number(none.id))!
    assert.equal(excelRow.getCell(2).value, none.companyName)
    assert.equal(excelRow.getCell(4).value, 'No contact')
  }).timeout(90_000)
})

test.group('Contact report of 2,000 companies', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startReportWorld()
    return () => world.close()
  })

  test('it pages 50 companies at a time, searches, and reads Xero once a page', async ({
    client,
    assert,
  }) => {
    const now = toSqlDateTime()
    // 2,000 companies, two invoices each, as discovery stores them.
    const rows = Array.from({ length: 4000 }, (_, index) => ({
      product_id: world.product.id,
      autotask_id: 900_000 + index,
      invoice_number: `R-${index}`,
      autotask_company_id: 50_000 + (index % 2000),
      company_name: `Company ${String(index % 2000).padStart(5, '0')} Ltd`,
      status: 'pending',
      created_at: now,
      updated_at: now,
    }))
    for (let start = 0; start < rows.length; start += 500)
      await db.table('invoice_records').multiInsert(rows.slice(start, start + 500))
    keyedContact(world, 'Company 01999 Ltd')
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
    const reads = () => world.xero.state.callCounts['GET /Contacts'] ?? 0

    const first = await client.get(`/products/${world.product.id}/contacts`).loginAs(owner)
    first.assertStatus(200)
    assert.equal(statesOf(first.text()).size, 50)
    assert.include(first.text(), 'Page 1')
    assert.include(first.text(), 'data-testid="contact-next"')
    assert.equal(reads(), 1, 'one read of the contact list for 50 unlinked companies')

    const last = await client
      .get(`/products/${world.product.id}/contacts`)
      .qs({ page: 40 })
      .loginAs(owner)
    const states = statesOf(last.text())
    assert.equal(states.size, 50)
    assert.equal(states.get(51_999), 'matched')
    assert.notInclude(last.text(), 'data-testid="contact-next"', 'page 40 of 2,000 is the last')
    assert.equal(reads(), 2)
    const beyond = await client
      .get(`/products/${world.product.id}/contacts`)
      .qs({ page: 41 })
      .loginAs(owner)
    assert.include(beyond.text(), 'data-testid="no-contacts"')

    const search = await client
      .get(`/products/${world.product.id}/contacts`)
      .qs({ q: '01999' })
      .loginAs(owner)
    assert.deepEqual([...statesOf(search.text())], [[51_999, 'matched']])
    // What is typed is found as typed: % and _ are no wildcards.
    const literal = await client
      .get(`/products/${world.product.id}/contacts`)
      .qs({ q: 'company 0_999' })
      .loginAs(owner)
    assert.equal(statesOf(literal.text()).size, 0)
    assert.include(search.text(), '2</td>')
  }).timeout(90_000)
})
