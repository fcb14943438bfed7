import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { startSyncWorld } from '#tests/helpers/sync_world'
import { logMessages } from '#tests/helpers/assertions'
import Link from '#models/link'
import InvoiceRecord from '#models/invoice_record'
import Product from '#models/product'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { keyedContact } from '#tests/helpers/contact_world'

type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

async function merge(world: World, settings: Record<string, unknown>) {
  const product = await Product.findOrFail(world.product.id)
  product.settings = { ...(product.settings ?? {}), ...settings }
  await product.save()
}

async function succeeded(world: World) {
  const outcome = await world.run()
  if (outcome.run?.state !== 'succeeded') throw new Error(outcome.run?.error ?? 'the run failed')
}

/** Customer companies that have invoices in the Autotask sandbox, in id order. */
function companiesWithInvoices(world: World) {
  const ids = new Set(
    [...world.autotask.state.tables.Invoices.values()].map((invoice) => Number(invoice.companyID))
  )
  return [...world.autotask.state.tables.Companies.values()]
    .filter((company) => ids.has(Number(company.id)))
    .sort((a, b) => Number(a.id) - Number(b.id))
}

function xeroContact(world: World, contactId: string) {
  return world.xero.state.organisation(NZ)!.contacts.find((c) => c.ContactID === contactId)!
}

function billingEmail(world: World, companyId: number) {
  return [...world.autotask.state.tables.Contacts.values()].find(
    (contact) => Number(contact.companyID) === companyId && contact.primaryContact
  )!.emailAddress as string
}

const posts = (world: World) => world.xero.state.callCounts['POST /Contacts'] ?? 0

test.group('Contact details: filled on link, updated on later syncs', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startSyncWorld({ xeroClient: { timeoutMs: 30_000 } })
    return async () => {
      // Every request the engine sent, contact updates included, matched the contract.
      const violations = [...world.xero.state.violations]
      await world.close()
      if (violations.length) throw new Error(`Contract violations: ${JSON.stringify(violations)}`)
    }
  })

  test('a Xero contact linked by name gets the address, phone and e-mail it lacks, and keeps what a person typed', async ({
    assert,
  }) => {
    await merge(world, { fillLinkedContacts: true })
    const [bare, typed] = companiesWithInvoices(world)
    const empty = keyedContact(world, String(bare.companyName))
    const kept = keyedContact(world, String(typed.companyName), {
      EmailAddress: 'typed@person.example',
      Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: '+64 4 111 2222' }],
    })

    await succeeded(world)

    const filled = xeroContact(world, empty.ContactID)
    assert.equal(filled.EmailAddress, billingEmail(world, Number(bare.id)))
    assert.deepInclude(filled.Phones as object[], { PhoneType: 'DEFAULT', PhoneNumber: bare.phone })
    assert.deepInclude(filled.Addresses as object[], {
      AddressType: 'POBOX',
      AddressLine1: bare.address1,
      City: bare.city,
      PostalCode: bare.postalCode,
    })
    const untouched = xeroContact(world, kept.ContactID)
    assert.equal(untouched.EmailAddress, 'typed@person.example')
    assert.deepEqual(untouched.Phones, [{ PhoneType: 'DEFAULT', PhoneNumber: '+64 4 111 2222' }])
    assert.deepInclude(untouched.Addresses as object[], {
      AddressType: 'POBOX',
      AddressLine1: typed.address1,
      City: typed.city,
      PostalCode: typed.postalCode,
    })
    // Both fills went in one batched request.
    assert.equal(posts(world), 1)
    const messages = await logMessages(world.product.id, 'contact.details_filled')
    assert.lengthOf(messages, 2)
    assert.isTrue(
      messages.some((line) =>
        line.includes(`company "${bare.companyName}" (#${bare.id}) filled: address, phone, e-mail`)
      ),
      messages.join('\n')
    )
    assert.isTrue(messages.some((line) => line.includes(`(#${typed.id}) filled: address`)))
  }).timeout(90_000)

  test('with the setting off, a linked contact is left as it is and nothing is posted', async ({
    assert,
  }) => {
    const [bare] = companiesWithInvoices(world)
    const empty = keyedContact(world, String(bare.companyName))
    await succeeded(world)
    const link = await Link.query()
      .where('product_id', world.product.id)
      .where('autotask_id', Number(bare.id))
      .firstOrFail()
    assert.equal(link.xeroId, empty.ContactID)
    assert.equal(posts(world), 0)
    const contact = xeroContact(world, empty.ContactID)
    assert.isUndefined(contact.EmailAddress)
    assert.deepEqual(contact.Addresses, [])
    assert.deepEqual(contact.Phones, [])
  }).timeout(90_000)

  test('later syncs update a contact only when the setting is on and Autotask changed something', async ({
    assert,
  }) => {
    await succeeded(world)
    const [company] = companiesWithInvoices(world)
    const companyId = Number(company.id)
    const link = await Link.query()
      .where('product_id', world.product.id)
      .where('autotask_id', companyId)
      .firstOrFail()
    assert.isNotNull(link.detailsHash, 'the hash of what the create sent is kept')
    const created = xeroContact(world, link.xeroId)
    const before = structuredClone(created.Phones)
    const invoiceFor = () =>
      world.autotask.state.addBillingRun({ invoices: 1, companyIds: [companyId], lines: 1 })

    // Setting off: a changed phone stays in Autotask.
    company.phone = '+64 9 555 0100'
    invoiceFor()
    await succeeded(world)
    assert.equal(posts(world), 0)
    assert.deepEqual(xeroContact(world, link.xeroId).Phones, before)

    // Setting on: the change is sent once, in one POST.
    await merge(world, { updateContactDetails: true })
    invoiceFor()
    await succeeded(world)
    assert.equal(posts(world), 1)
    assert.deepInclude(xeroContact(world, link.xeroId).Phones as object[], {
      PhoneType: 'DEFAULT',
      PhoneNumber: '+64 9 555 0100',
    })
    const messages = await logMessages(world.product.id, 'contact.details_updated')
    assert.lengthOf(messages, 1)
    assert.include(messages[0], `(#${companyId}) updated: address, phone, e-mail`)

    // Nothing changed since: no POST.
    invoiceFor()
    await succeeded(world)
    assert.equal(posts(world), 1)

    // The e-mail changes: sent again.
    const billing = [...world.autotask.state.tables.Contacts.values()].find(
      (contact) => Number(contact.companyID) === companyId && contact.primaryContact
    )!
    billing.emailAddress = 'new-accounts@changed.example'
    invoiceFor()
    await succeeded(world)
    assert.equal(posts(world), 2)
    assert.equal(xeroContact(world, link.xeroId).EmailAddress, 'new-accounts@changed.example')
  }).timeout(120_000)

  test('Xero failing a details update holds back no invoice: the failure is logged and the next run sends it again', async ({
    assert,
  }) => {
    await succeeded(world)
    await merge(world, { updateContactDetails: true })
    const [company] = companiesWithInvoices(world)
    const companyId = Number(company.id)
    company.phone = '+64 9 555 0199'
    world.xero.state.faults.push({
      kind: '500',
      remaining: 1,
      pathContains: '/Contacts',
      method: 'POST',
      problem: 'minute',
      retryAfterSeconds: null,
      withoutRetryAfter: false,
    })
    const [invoiceId] = world.autotask.state.addBillingRun({
      invoices: 1,
      companyIds: [companyId],
      lines: 1,
    }).invoiceIds
    await succeeded(world)
    const record = await InvoiceRecord.query()
      .where('product_id', world.product.id)
      .where('autotask_id', invoiceId)
      .firstOrFail()
    assert.equal(record.status, 'synced', record.faultReason ?? '')
    const refused = await logMessages(world.product.id, 'contact.details_refused')
    assert.lengthOf(refused, 1)
    assert.include(refused[0], `(#${companyId})`)
    const link = await Link.query()
      .where('product_id', world.product.id)
      .where('autotask_id', companyId)
      .firstOrFail()
    assert.notDeepInclude(xeroContact(world, link.xeroId).Phones as object[], {
      PhoneType: 'DEFAULT',
      PhoneNumber: '+64 9 555 0199',
    })

    world.autotask.state.addBillingRun({ invoices: 1, companyIds: [companyId], lines: 1 })
    await succeeded(world)
    assert.deepInclude(xeroContact(world, link.xeroId).Phones as object[], {
      PhoneType: 'DEFAULT',
      PhoneNumber: '+64 9 555 0199',
    })
    assert.lengthOf(await logMessages(world.product.id, 'contact.details_updated'), 1)
  }).timeout(120_000)
})

test.group('Contact details: the settings', (group) => {
  group.each.setup(resetDatabase)

  test('both are off by default, shown on the Settings page, and saved from its form', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await ProductFactory.merge({ accountId: owner.accountId }).create()
    assert.isFalse(product.effectiveSettings.fillLinkedContacts)
    assert.isFalse(product.effectiveSettings.updateContactDetails)
    const page = await client.get(`/products/${product.id}/settings`).loginAs(owner)
    assert.match(page.text(), /<input[^>]*name="fillLinkedContacts"(?![^>]*checked)[^>]*>/)
    assert.include(page.text(), 'Fill contact details when linking an existing Xero contact')
    assert.include(page.text(), 'Update contact details on later syncs')

    const response = await client
      .put(`/products/${product.id}/settings`)
      .withCsrfToken()
      .loginAs(owner)
      .form({
        invoiceStatus: 'DRAFT',
        numbering: 'autotask',
        dueDateSource: 'autotask',
        daysBack: '30',
        maxTransientAttempts: '8',
        roundingTolerance: '0.05',
        purchaseOrderDocumentType: 'PURCHASEORDER',
        purchaseOrderTriggerStatus: '2',
        createContacts: '1',
        fillLinkedContacts: '1',
        updateContactDetails: '1',
      })
      .redirects(0)
    response.assertStatus(302)
    const settings = (await Product.findOrFail(product.id)).effectiveSettings
    assert.isTrue(settings.fillLinkedContacts)
    assert.isTrue(settings.updateContactDetails)
    const [line] = await logMessages(product.id, 'settings.changed')
    assert.include(line, 'fillLinkedContacts, updateContactDetails')
  })
})
