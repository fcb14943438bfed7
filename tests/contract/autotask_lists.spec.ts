import { test } from '@japa/runner'
import { sandboxClient, startTestSandbox } from '#tests/contract/helpers/autotask_sandbox'
import {
  fieldInformationFields,
  picklistValueFields,
} from '#tests/contract/helpers/autotask_models'

test.group('Autotask client: the lists settings are chosen from', () => {
  test('entityInformation/fields answers FieldInformationModel with the PO status picklist', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({}, cleanup)
    const fields = await sandboxClient(sandbox).fieldInformation('PurchaseOrders')
    const request = sandbox.state.requests.at(-1)!
    assert.equal(request.method, 'GET')
    assert.match(request.path, /\/V1\.0\/PurchaseOrders\/entityInformation\/fields$/i)
    for (const field of fields) assert.sameMembers(Object.keys(field), fieldInformationFields)
    const status = fields.find((field) => field.name === 'status')!
    assert.isTrue(status.isPickList)
    for (const value of status.picklistValues!)
      assert.sameMembers(Object.keys(value), picklistValueFields)
    assert.deepEqual(
      status.picklistValues!.map((value) => [value.value, value.label]),
      [
        ['1', 'New'],
        ['2', 'Submitted'],
        ['3', 'Received Partial'],
        ['4', 'Received Full'],
        ['5', 'Cancelled'],
      ]
    )
    assert.isFalse(fields.find((field) => field.name === 'vendorID')!.isPickList)
  })

  test('line-tracking dimensions: territories from the Companies picklist, departments with their billing codes, lines of business with their associations, invoice templates', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ invoices: 0 }, cleanup)
    const client = sandboxClient(sandbox)
    assert.deepEqual(
      (await client.territories()).map((territory) => [territory.id, territory.name]),
      [
        [1, 'North Island'],
        [2, 'South Island'],
        [3, 'Pacific'],
      ]
    )
    assert.match(
      sandbox.state.requests.at(-1)!.path,
      /\/V1\.0\/Companies\/entityInformation\/fields$/i
    )

    const departments = await client.departments()
    const codes = [...sandbox.state.tables.BillingCodes.values()]
    for (const department of departments) {
      assert.sameMembers(
        department.members,
        codes.filter((code) => code.department === department.id).map((code) => code.id)
      )
    }
    assert.deepEqual(
      departments.map((department) => department.name),
      ['Service Desk', 'Managed Services', 'Procurement']
    )
    const lines = await client.linesOfBusiness()
    assert.deepEqual(
      lines.map((line) => [line.name, line.members]),
      [
        ['Professional Services', [1]],
        ['Recurring Services', [2]],
        ['Hardware and Licensing', [3]],
      ]
    )
    assert.deepEqual((await client.invoiceTemplates()).map((template) => template.name).sort(), [
      'Detailed invoice',
      'Standard invoice',
    ])
    // Each is a query asking only the fields it reads (QueryModel includeFields).
    const asked = sandbox.state.requests
      .filter((request) => request.method === 'POST')
      .map((request) => [request.entity, (request.body as any).includeFields])
    assert.deepInclude(asked, ['Departments', ['id', 'name']])
    assert.deepInclude(asked, ['BillingCodes', ['id', 'department']])
    assert.deepInclude(asked, ['OrganizationalLevelAssociations', ['id', 'organizationalLevel2ID']])
    assert.deepInclude(asked, ['InvoiceTemplates', ['id', 'name']])
  })

  test('company names page through every company; billing contacts are the active primary ones', async ({
    assert,
    cleanup,
  }) => {
    const sandbox = await startTestSandbox({ companies: 700, invoices: 0 }, cleanup)
    const client = sandboxClient(sandbox)
    const names = await client.companyNames()
    assert.lengthOf(names, sandbox.state.tables.Companies.size)
    assert.sameMembers(Object.keys(names[0]), ['id', 'companyName', 'isActive'])

    const [first, second] = [...sandbox.state.tables.Contacts.values()]
    second.isActive = false
    const contacts = await client.billingContacts([
      first.companyID as number,
      second.companyID as number,
    ])
    assert.equal(contacts.get(first.companyID as number)!.emailAddress, first.emailAddress)
    assert.isFalse(contacts.has(second.companyID as number))
  })
})
