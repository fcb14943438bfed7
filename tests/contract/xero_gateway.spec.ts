import { test } from '@japa/runner'
import { XeroClient } from 'xero-node'
import Product from '#models/product'
import { resetDatabase } from '#tests/helpers/database'
import {
  connectedProduct,
  knob,
  startStrictXeroSandbox,
  xeroStackFor,
} from '#tests/helpers/xero_sandbox'
import {
  XERO_SANDBOX_ACCOUNT_CODES,
  XERO_SANDBOX_TAX_TYPES,
  XERO_SANDBOX_TENANTS,
  type SandboxContractViolation,
  type XeroSandbox,
} from '#sandbox/xero/index'
import {
  type XeroAuthorizationError,
  XeroForbiddenError,
  XeroNotFoundError,
  XeroRateLimitError,
  XeroReconnectRequiredError,
  XeroTransientError,
  XeroUnauthorizedError,
  XeroValidationError,
  fromXeroNodeRejection,
} from '#integrations/xero/errors'
import { RECONNECT_MESSAGE } from '#integrations/xero/token_store'
import type { XeroInvoiceInput } from '#integrations/xero/xero_gateway'
import { xeroConnectionOf } from '#sync/product_connections'
import { rejection } from '#tests/helpers/assertions'

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

function invoice(number: string, overrides: Partial<XeroInvoiceInput> = {}): XeroInvoiceInput {
  return {
    type: 'ACCREC',
    contact: { contactNumber: '1001', name: 'Acme Manufacturing Ltd' },
    invoiceNumber: number,
    reference: `AT-${number}`,
    date: '2024-05-01',
    dueDate: '2024-05-21',
    status: 'AUTHORISED',
    lineAmountTypes: 'Exclusive',
    lineItems: [
      {
        description: 'Managed services',
        quantity: '3',
        unitAmount: '0.7217',
        accountCode: XERO_SANDBOX_ACCOUNT_CODES.sales,
        taxType: XERO_SANDBOX_TAX_TYPES.gstOnIncome,
      },
      {
        description: 'Labour',
        quantity: '1.5',
        unitAmount: '165',
        accountCode: '200',
        taxType: 'OUTPUT2',
      },
    ],
    ...overrides,
  }
}

test.group('Xero gateway against the sandbox', (group) => {
  let sandbox: XeroSandbox
  const violations: SandboxContractViolation[] = []
  let validatedRequests = 0

  group.setup(async () => {
    sandbox = await startStrictXeroSandbox()
    return async () => {
      await sandbox.close()
      if (violations.length > 0)
        throw new Error(`Requests broke the Xero contract: ${JSON.stringify(violations)}`)
    }
  })
  group.each.setup(async () => {
    await resetDatabase()
    sandbox.state.reset()
    return () => {
      violations.push(...sandbox.state.violations)
      validatedRequests += sandbox.state.requestLog.length
    }
  })

  test('120 invoices go to Xero in 3 batches of at most 50, each with its own result', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const invoices = Array.from({ length: 120 }, (_, index) =>
      invoice(
        `AT-${1000 + index}`,
        index === 61
          ? { lineItems: [{ description: 'x', quantity: '1', unitAmount: '5', taxType: 'GST99' }] }
          : {}
      )
    )
    const results = []
    for (let start = 0; start < invoices.length; start += 50) {
      results.push(
        ...(await gateway.createInvoices(
          xeroConnectionOf(product),
          invoices.slice(start, start + 50),
          {
            idempotencyKey: `batch-${start}`,
          }
        ))
      )
    }

    assert.equal(sandbox.state.callCounts['PUT /Invoices'], 3)
    assert.lengthOf(results, 120)
    const failed = results.filter((result) => !result.ok)
    assert.lengthOf(failed, 1)
    assert.deepInclude(
      failed[0].ok === false ? failed[0].messages : [],
      "The TaxType code 'GST99' does not exist or cannot be used for this type of transaction."
    )
    assert.lengthOf(sandbox.state.invoices(NZ), 119)
    assert.notInclude(
      sandbox.state.invoices(NZ).map((stored) => stored.InvoiceNumber),
      'AT-1061'
    )

    const first = results[0]
    assert.isTrue(first.ok)
    if (first.ok) {
      assert.equal(first.value.invoiceNumber, 'AT-1000')
      assert.equal(first.value.status, 'AUTHORISED')
      assert.equal(first.value.lineItems[0].lineAmount, '2.17')
      assert.equal(first.value.total, '287.13')
      assert.equal(sandbox.state.invoices(NZ)[0].InvoiceID, first.value.invoiceId)
    }
    assert.equal(gateway.rateLimits(NZ)?.minuteRemaining, 57)
    assert.equal(gateway.rateLimits(NZ)?.dayRemaining, 4997)
  })

  test('tracked lines go out as LineItem Tracking {Name, Option}; an archived option or a third category is refused', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const line = (tracking: { name: string; option: string }[]) => ({
      description: 'Labour',
      quantity: '1',
      unitAmount: '100',
      accountCode: '200',
      taxType: 'OUTPUT2',
      tracking,
    })
    const [tracked, archived, three] = await gateway.createInvoices(xeroConnectionOf(product), [
      invoice('AT-TRACK-1', {
        lineItems: [
          line([
            { name: 'Region', option: 'North' },
            { name: 'Department', option: 'Support' },
          ]),
          line([{ name: 'Region', option: 'South' }]),
        ],
      }),
      invoice('AT-TRACK-2', { lineItems: [line([{ name: 'Region', option: 'Overseas' }])] }),
      invoice('AT-TRACK-3', {
        lineItems: [
          line([
            { name: 'Region', option: 'North' },
            { name: 'Department', option: 'Support' },
            { name: 'Business Unit', option: 'Services' },
          ]),
        ],
      }),
    ])
    assert.isTrue(tracked.ok)
    if (tracked.ok) {
      assert.deepEqual(tracked.value.lineItems[0].tracking, [
        { name: 'Region', option: 'North' },
        { name: 'Department', option: 'Support' },
      ])
      assert.deepEqual(tracked.value.lineItems[1].tracking, [{ name: 'Region', option: 'South' }])
    }
    const stored = sandbox.state.invoices(NZ).find((entry) => entry.InvoiceNumber === 'AT-TRACK-1')!
    const region = sandbox.state
      .organisation(NZ)!
      .trackingCategories.find((category) => category.Name === 'Region')!
    assert.equal(stored.LineItems[0].Tracking[0].TrackingCategoryID, region.TrackingCategoryID)
    assert.equal(
      stored.LineItems[0].Tracking[0].TrackingOptionID,
      region.Options.find((option) => option.Name === 'North')!.TrackingOptionID
    )
    assert.isFalse(archived.ok)
    assert.deepInclude(
      archived.ok ? [] : archived.messages,
      "The tracking option 'Overseas' of 'Region' is archived and cannot be used."
    )
    assert.isFalse(three.ok)
    assert.deepInclude(
      three.ok ? [] : three.messages,
      'A line item can have a maximum of 2 tracking categories.'
    )
    // The live list offers active categories and options only.
    const categories = await gateway.getTrackingCategories(xeroConnectionOf(product))
    const listed = categories.find((category) => category.name === 'Region')!
    assert.equal(listed.options.find((option) => option.name === 'Overseas')?.status, 'ARCHIVED')
  })

  test('a batch retried with the same Idempotency-Key creates its invoices once', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const batch = [invoice('AT-1'), invoice('AT-2')]

    const first = await gateway.createInvoices(xeroConnectionOf(product), batch, {
      idempotencyKey: 'run-7-batch-1-attempt-1',
    })
    const replay = await gateway.createInvoices(xeroConnectionOf(product), batch, {
      idempotencyKey: 'run-7-batch-1-attempt-1',
    })

    assert.lengthOf(sandbox.state.invoices(NZ), 2)
    assert.deepEqual(
      replay.map((result) => (result.ok ? result.value.invoiceId : null)),
      first.map((result) => (result.ok ? result.value.invoiceId : null))
    )
    assert.isTrue(sandbox.state.requestLog.some((entry) => entry.replayed))

    const retryWithNewKey = await gateway.createInvoices(xeroConnectionOf(product), batch, {
      idempotencyKey: 'run-7-batch-1-attempt-2',
    })
    assert.deepEqual(
      retryWithNewKey.map((result) => (result.ok ? null : result.messages)),
      [['Invoice # must be unique.'], ['Invoice # must be unique.']]
    )
    assert.lengthOf(sandbox.state.invoices(NZ), 2)
  })

  test('a second sales invoice with a taken number is refused with "Invoice # must be unique."', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const results = await gateway.createInvoices(xeroConnectionOf(product), [
      invoice('AT-55'),
      invoice('AT-56'),
      invoice('AT-55'),
    ])

    assert.deepEqual(
      results.map((result) => result.ok),
      [true, true, false]
    )
    assert.deepEqual(results[2].ok ? [] : results[2].messages, ['Invoice # must be unique.'])
    assert.deepEqual(
      sandbox.state.invoices(NZ).map((stored) => stored.InvoiceNumber),
      ['AT-55', 'AT-56']
    )
    const found = await gateway.getInvoicesByNumbers(xeroConnectionOf(product), ['AT-55'])
    assert.lengthOf(found, 1)
    const byReference = await gateway.findInvoices(
      xeroConnectionOf(product),
      'Reference=="AT-AT-56"'
    )
    assert.deepEqual(
      byReference.map((match) => match.invoiceNumber),
      ['AT-56']
    )
    const byId = await gateway.getInvoicesByIds(xeroConnectionOf(product), [found[0].invoiceId])
    assert.equal(byId[0].invoiceNumber, 'AT-55')
  })

  test('an invoice marked paid in Xero refuses an update and keeps its lines', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const [created] = await gateway.createInvoices(xeroConnectionOf(product), [invoice('AT-900')])
    assert.isTrue(created.ok)
    const invoiceId = created.ok ? created.value.invoiceId : ''

    const editable = await gateway.updateInvoices(xeroConnectionOf(product), [
      {
        ...invoice('AT-900'),
        invoiceId,
        lineItems: [
          { description: 'Changed', quantity: '2', unitAmount: '10', accountCode: '200' },
        ],
      },
    ])
    assert.isTrue(editable[0].ok)
    assert.equal(sandbox.state.invoices(NZ)[0].Total, 23)

    await knob(sandbox, '/invoices/pay', { invoice: invoiceId })
    const refused = await gateway.updateInvoices(xeroConnectionOf(product), [
      {
        ...invoice('AT-900'),
        invoiceId,
        lineItems: [{ description: 'Again', quantity: '9', unitAmount: '10', accountCode: '200' }],
      },
    ])
    assert.deepEqual(refused[0].ok ? [] : refused[0].messages, [
      'This document cannot be edited as it has a payment or credit note allocated to it.',
    ])
    const stored = await gateway.getInvoice(xeroConnectionOf(product), invoiceId)
    assert.equal(stored?.status, 'PAID')
    assert.equal(stored?.total, '23.00')
    assert.equal(stored?.amountDue, '0.00')
    assert.match(
      (await gateway.getOnlineInvoiceUrl(xeroConnectionOf(product), invoiceId)) ?? '',
      new RegExp(`^${sandbox.url}/in/`)
    )
  })

  test('approved sales invoices changed since a time come back a page at a time, newest change first, with the page count', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const connection = xeroConnectionOf(product)
    sandbox.state.clock.advance(60_000)
    const since = new Date(sandbox.state.clock.now() - 1000)
    const created = await gateway.createInvoices(connection, [
      invoice('AT-801'),
      invoice('AT-802'),
      invoice('AT-803', { status: 'DRAFT' }),
    ])
    const [first, second] = created.map((result) => (result.ok ? result.value.invoiceId : ''))
    sandbox.state.clock.advance(1000)
    await knob(sandbox, '/invoices/pay', { invoice: first })

    const pageOf = (page: number, pageSize: number, from: Date | null = since) =>
      gateway.salesInvoicesChangedSince(connection, ['AUTHORISED', 'PAID'], from, page, pageSize)
    const one = await pageOf(1, 1)
    assert.equal(one.pageCount, 2, 'the draft is left out')
    assert.deepEqual(
      one.invoices.map((found) => [found.invoiceId, found.status]),
      [[first, 'PAID']]
    )
    const two = await pageOf(2, 1)
    assert.deepEqual(
      two.invoices.map((found) => found.invoiceId),
      [second]
    )
    const later = await pageOf(1, 1000, new Date(sandbox.state.clock.now() + 1000))
    assert.deepEqual(later, { invoices: [], pageCount: 0 })
    const scan = sandbox.state.requestLog.at(-1)!
    assert.equal(scan.query.pageSize, '1000')
    assert.equal(scan.query.where, 'Type=="ACCREC"')
    assert.equal(scan.query.order, 'UpdatedDateUTC DESC')
  })

  test('reference data, contacts, purchase orders and bills come back as plain values', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)

    const taxRates = await gateway.getTaxRates(xeroConnectionOf(product))
    assert.deepInclude(
      taxRates.map((rate) => [rate.name, rate.taxType, rate.rate]),
      ['GST on Income', 'OUTPUT2', '15.0000']
    )
    assert.deepInclude(
      taxRates.map((rate) => [rate.name, rate.rate]),
      ['Tax Exempt', '0.0000']
    )
    assert.includeMembers(
      (await gateway.getAccounts(xeroConnectionOf(product))).map((account) => account.code),
      ['200', '260']
    )
    assert.include(
      (await gateway.getItems(xeroConnectionOf(product))).map((item) => item.code),
      'LABOUR'
    )
    assert.deepEqual(
      (await gateway.getTrackingCategories(xeroConnectionOf(product))).map(
        (category) => category.name
      ),
      ['Region', 'Department', 'Business Unit']
    )
    assert.equal(
      (await gateway.getOrganisation(xeroConnectionOf(product))).name,
      XERO_SANDBOX_TENANTS.nz.name
    )
    assert.equal(
      (await gateway.getContactByNumber(xeroConnectionOf(product), '1002'))?.name,
      'Bright Dental Group'
    )
    assert.isNull(await gateway.getContactByNumber(xeroConnectionOf(product), '999999'))
    assert.deepEqual(
      (await gateway.findContacts(xeroConnectionOf(product), 'Name=="Coastal Logistics"')).map(
        (contact) => contact.contactNumber
      ),
      ['1003']
    )

    const contacts = await gateway.createContacts(xeroConnectionOf(product), [
      { name: 'Harbour Dental', contactNumber: '2001' },
      { name: 'Acme Manufacturing Ltd' },
    ])
    assert.deepEqual(
      contacts.map((result) => result.ok),
      [true, false]
    )
    assert.isTrue(
      sandbox.state.organisation(NZ)!.contacts.some((contact) => contact.ContactNumber === '2001')
    )

    const [order] = await gateway.createPurchaseOrders(xeroConnectionOf(product), [
      {
        contact: { contactNumber: '1004', name: 'Ingram Micro' },
        reference: 'AT-PO-17',
        date: '2024-05-02',
        lineItems: [
          {
            description: 'Router',
            quantity: '2',
            unitAmount: '454.30',
            accountCode: '300',
            taxType: 'INPUT2',
          },
        ],
      },
    ])
    assert.isTrue(order.ok)
    const orderId = order.ok ? order.value.purchaseOrderId : ''
    const [updated] = await gateway.updatePurchaseOrders(xeroConnectionOf(product), [
      {
        purchaseOrderId: orderId,
        contact: { contactNumber: '1004', name: 'Ingram Micro' },
        status: 'AUTHORISED',
      },
    ])
    assert.equal(updated.ok ? updated.value.status : null, 'AUTHORISED')
    assert.equal(
      (await gateway.getPurchaseOrder(xeroConnectionOf(product), orderId))?.total,
      '1044.89'
    )

    const [bill] = await gateway.createInvoices(xeroConnectionOf(product), [
      invoice('', {
        type: 'ACCPAY',
        invoiceNumber: 'SUP-77',
        contact: { name: 'Ingram Micro' },
        lineItems: [
          {
            description: 'Router',
            quantity: '1',
            unitAmount: '100',
            accountCode: '300',
            taxType: 'INPUT2',
          },
        ],
      }),
    ])
    assert.equal(bill.ok ? bill.value.type : null, 'ACCPAY')
    assert.equal(sandbox.state.invoices(NZ).find((stored) => stored.Type === 'ACCPAY')?.Total, 115)
  })

  test('contact updates (POST /Contacts, batched) change only the fields given; an address or phone replaces the one of its type', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const connection = xeroConnectionOf(product)
    const acme = (await gateway.getContactByNumber(connection, '1001'))!
    const bright = (await gateway.getContactByNumber(connection, '1002'))!
    const organisation = sandbox.state.organisation(NZ)!
    organisation.contacts.find((c) => c.ContactID === acme.contactId)!.Addresses = [
      { AddressType: 'STREET', AddressLine1: '1 Shop Street', City: 'Auckland' },
    ]

    const results = await gateway.updateContacts(
      connection,
      [
        {
          contactId: acme.contactId,
          phone: '+64 9 300 1000',
          address: { lines: ['PO Box 12', 'Shortland St'], city: 'Auckland', postalCode: '1140' },
        },
        { contactId: bright.contactId, emailAddress: 'billing@brightdental.example' },
        { contactId: '00000000-0000-0000-0000-000000000000', phone: '1' },
      ],
      { idempotencyKey: 'contacts-update-1' }
    )

    assert.equal(sandbox.state.callCounts['POST /Contacts'], 1)
    assert.deepEqual(
      results.map((result) => result.ok),
      [true, true, false]
    )
    const updated = results[0].ok ? results[0].value : null
    assert.equal(updated?.phone, '+64 9 300 1000')
    assert.deepEqual(updated?.address, {
      lines: ['PO Box 12', 'Shortland St'],
      city: 'Auckland',
      region: undefined,
      postalCode: '1140',
    })
    // Fields not sent stay as they were: the name, the e-mail, the street address.
    assert.equal(updated?.name, 'Acme Manufacturing Ltd')
    assert.equal(updated?.emailAddress, 'accounts@acme.example')
    const stored = organisation.contacts.find((c) => c.ContactID === acme.contactId)!
    assert.deepInclude(stored.Addresses as object[], {
      AddressType: 'STREET',
      AddressLine1: '1 Shop Street',
      City: 'Auckland',
    })
    assert.equal(
      (await gateway.getContactByNumber(connection, '1002'))?.emailAddress,
      'billing@brightdental.example'
    )
    assert.isNull((await gateway.getContactByNumber(connection, '1002'))?.address ?? null)
  })

  test('Xero error answers become our typed errors', async ({ assert }) => {
    const { gateway } = xeroStackFor(sandbox, { timeoutMs: 400 })
    const product = await connectedProduct(sandbox)

    const [draft] = await gateway.createInvoices(xeroConnectionOf(product), [
      invoice('AT-1', { status: 'DRAFT' }),
    ])
    const draftId = draft.ok ? draft.value.invoiceId : ''
    const validation = await rejection(
      gateway.getOnlineInvoiceUrl(xeroConnectionOf(product), draftId)
    )
    assert.instanceOf(validation, XeroValidationError)
    assert.deepEqual((validation as XeroValidationError).messages, [
      'Online invoices are only available for approved sales invoices.',
    ])

    const notFound = await rejection(
      gateway.getOnlineInvoiceUrl(xeroConnectionOf(product), '00000000-0000-4000-8000-000000000000')
    )
    assert.instanceOf(notFound, XeroNotFoundError)
    assert.isNull(
      await gateway.getInvoice(xeroConnectionOf(product), '00000000-0000-4000-8000-000000000000')
    )

    const otherOrg = await connectedProduct(sandbox, XERO_SANDBOX_TENANTS.au.tenantId)
    assert.instanceOf(
      await rejection(gateway.getTaxRates(xeroConnectionOf(otherOrg))),
      XeroForbiddenError
    )

    await knob(sandbox, '/faults', { kind: '429', problem: 'minute', retryAfter: 17 })
    const minute = (await rejection(
      gateway.getAccounts(xeroConnectionOf(product))
    )) as XeroRateLimitError
    assert.instanceOf(minute, XeroRateLimitError)
    assert.equal(minute.problem, 'minute')
    assert.equal(minute.retryAfterSeconds, 17)
    assert.isTrue(minute.transient)

    await knob(sandbox, '/faults', { kind: '429', problem: 'day', retryAfter: 3600 })
    const daily = (await rejection(
      gateway.getAccounts(xeroConnectionOf(product))
    )) as XeroRateLimitError
    assert.deepEqual([daily.problem, daily.retryAfterSeconds], ['day', 3600])

    await knob(sandbox, '/faults', { kind: '429', problem: 'concurrent' })
    const concurrent = (await rejection(
      gateway.getAccounts(xeroConnectionOf(product))
    )) as XeroRateLimitError
    assert.deepEqual([concurrent.problem, concurrent.retryAfterSeconds], ['concurrent', 1])

    await knob(sandbox, '/faults', { kind: '429', problem: 'appminute', retryAfter: 30 })
    const appWide = (await rejection(
      gateway.getAccounts(xeroConnectionOf(product))
    )) as XeroRateLimitError
    assert.deepEqual([appWide.problem, appWide.retryAfterSeconds], ['app', 30])

    await knob(sandbox, '/faults', { kind: '500' })
    const server = (await rejection(
      gateway.getAccounts(xeroConnectionOf(product))
    )) as XeroTransientError
    assert.instanceOf(server, XeroTransientError)
    assert.deepEqual([server.reason, server.status], ['server', 500])

    await knob(sandbox, '/faults', { kind: 'timeout' })
    const started = Date.now()
    const timeout = (await rejection(
      gateway.getAccounts(xeroConnectionOf(product))
    )) as XeroTransientError
    assert.instanceOf(timeout, XeroTransientError)
    assert.equal(timeout.reason, 'timeout')
    assert.isBelow(Date.now() - started, 1500)

    const raw = new XeroClient()
    raw.accountingApi.basePath = sandbox.apiUrl
    raw.setTokenSet({ access_token: 'not-a-token' })
    const unauthorized = fromXeroNodeRejection(await rejection(raw.accountingApi.getAccounts(NZ)))
    assert.instanceOf(unauthorized, XeroUnauthorizedError)
    assert.equal(unauthorized.status, 401)
  })

  test('the real per-minute and concurrency limits answer 429 with the problem named', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    await knob(sandbox, '/limits', { perMinute: 3 })
    await gateway.getAccounts(xeroConnectionOf(product))
    await gateway.getAccounts(xeroConnectionOf(product))
    await gateway.getAccounts(xeroConnectionOf(product))
    assert.equal(gateway.rateLimits(NZ)?.minuteRemaining, 0)
    const limited = (await rejection(
      gateway.getAccounts(xeroConnectionOf(product))
    )) as XeroRateLimitError
    assert.instanceOf(limited, XeroRateLimitError)
    assert.equal(limited.problem, 'minute')
    assert.isAbove(limited.retryAfterSeconds, 50)

    await knob(sandbox, '/limits', { perMinute: 60, concurrent: 2 })
    await knob(sandbox, '/latency', { ms: 300 })
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map(() => gateway.getTaxRates(xeroConnectionOf(product)))
    )
    const refused = outcomes.filter(
      (outcome) => outcome.status === 'rejected'
    ) as PromiseRejectedResult[]
    assert.lengthOf(refused, 1)
    assert.equal((refused[0].reason as XeroRateLimitError).problem, 'concurrent')
    assert.equal(sandbox.state.maxConcurrency.get(NZ), 2)
  })

  test('an expired access token is refreshed once and the call succeeds with the rotated token', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const before = product.xeroTokens!
    await knob(sandbox, '/tokens/expire')

    assert.lengthOf(await gateway.getTaxRates(xeroConnectionOf(product)), 4)
    assert.equal(sandbox.state.tokenRefreshCount, 1)
    const row = await Product.findOrFail(product.id)
    assert.notEqual(row.xeroTokens!.refreshToken, before.refreshToken)
    assert.notEqual(row.xeroTokens!.accessToken, before.accessToken)
  })

  test('two token stores refreshing at once make one refresh call and both get the new token', async ({
    assert,
  }) => {
    const stale = await connectedProduct(sandbox)
    stale.xeroTokens = {
      ...stale.xeroTokens!,
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    }
    await stale.save()

    const workerA = xeroStackFor(sandbox).tokens
    const workerB = xeroStackFor(sandbox).tokens
    const [copyA, copyB] = await Promise.all([
      Product.findOrFail(stale.id),
      Product.findOrFail(stale.id),
    ])
    const [tokenA, tokenB] = await Promise.all([
      workerA.accessToken(xeroConnectionOf(copyA)),
      workerB.accessToken(xeroConnectionOf(copyB)),
    ])

    assert.equal(sandbox.state.tokenRefreshCount, 1)
    assert.equal(tokenA, tokenB)
    const row = await Product.findOrFail(stale.id)
    assert.equal(row.xeroTokens!.accessToken, tokenA)
    assert.isAbove(Date.parse(row.xeroTokens!.expiresAt), Date.now() + 25 * 60 * 1000)
    assert.equal(
      sandbox.state.accessTokens.get(tokenA)?.grantId,
      sandbox.state.refreshTokens.get(row.xeroTokens!.refreshToken)?.grantId
    )
  })

  test('a refresh token used twice keeps working for the grace period, then gives invalid_grant', async ({
    assert,
  }) => {
    const { oauth } = xeroStackFor(sandbox)
    const connection = sandbox.state.connect([NZ])
    const first = await oauth.refresh(connection.refreshToken)
    assert.notEqual(first.refreshToken, connection.refreshToken)
    const again = await oauth.refresh(connection.refreshToken)
    assert.isString(again.accessToken)
    await knob(sandbox, '/clock', { advanceSeconds: 31 * 60 })
    assert.instanceOf(
      await rejection(oauth.refresh(connection.refreshToken)),
      XeroReconnectRequiredError
    )
    assert.isString((await oauth.refresh(first.refreshToken)).accessToken)
  })

  test('a revoked connection marks the product unhealthy with a message and keeps its data', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    await knob(sandbox, '/tokens/revoke', { refreshToken: product.xeroTokens!.refreshToken })
    await knob(sandbox, '/tokens/expire')

    const error = await rejection(gateway.getAccounts(xeroConnectionOf(product)))
    assert.instanceOf(error, XeroReconnectRequiredError)

    const row = await Product.findOrFail(product.id)
    assert.equal(row.xeroHealth, 'error')
    assert.equal(row.xeroHealthMessage, RECONNECT_MESSAGE)
    assert.equal(row.xeroTenantId, NZ)
    assert.equal(row.xeroTokens?.refreshToken, product.xeroTokens!.refreshToken)
    assert.equal(row.name, product.name)
    assert.equal(product.xeroHealth, 'error')
  })

  test('the OAuth flow runs end to end: consent, code, tokens, connections', async ({ assert }) => {
    const { oauth, tokens, gateway } = xeroStackFor(sandbox)
    const request = oauth.startAuthorization()
    const consent = await fetch(request.url)
    const html = await consent.text()
    assert.include(html, 'Allow access')
    assert.include(html, XERO_SANDBOX_TENANTS.au.name)
    const requestId = /name="request_id" value="([^"]+)"/.exec(html)![1]

    const answer = await fetch(sandbox.authorizeUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        request_id: requestId,
        tenant_id: XERO_SANDBOX_TENANTS.au.tenantId,
        decision: 'allow',
      }),
    })
    assert.equal(answer.status, 302)
    const callback = new URL(answer.headers.get('location')!)
    assert.equal(callback.origin + callback.pathname, 'http://127.0.0.1:3402/xero/callback')

    const granted = await oauth.handleCallback(
      { code: callback.searchParams.get('code'), state: callback.searchParams.get('state') },
      { state: request.state, codeVerifier: request.codeVerifier }
    )
    const connections = await oauth.connections(granted.accessToken)
    assert.deepEqual(
      connections.map((connection) => connection.tenantName),
      [XERO_SANDBOX_TENANTS.au.name]
    )

    const product = await connectedProduct(sandbox)
    await tokens.connect(xeroConnectionOf(product), granted, connections[0])
    const row = await Product.findOrFail(product.id)
    assert.equal(row.xeroTenantId, XERO_SANDBOX_TENANTS.au.tenantId)
    assert.equal(row.xeroTokens?.refreshToken, granted.refreshToken)
    assert.equal((await gateway.getOrganisation(xeroConnectionOf(row))).baseCurrency, 'AUD')
    assert.deepEqual(
      (await gateway.connections(xeroConnectionOf(row))).map((connection) => connection.tenantId),
      [XERO_SANDBOX_TENANTS.au.tenantId]
    )

    const replayed = await rejection(
      oauth.handleCallback(
        { code: callback.searchParams.get('code'), state: request.state },
        { state: request.state, codeVerifier: request.codeVerifier }
      )
    )
    assert.equal((replayed as XeroAuthorizationError).reason, 'invalid_grant')
  })

  test('a callback with the wrong state or a wrong PKCE verifier gets no tokens', async ({
    assert,
  }) => {
    const { oauth } = xeroStackFor(sandbox)
    const request = oauth.startAuthorization()
    const html = await (await fetch(request.url)).text()
    const requestId = /name="request_id" value="([^"]+)"/.exec(html)![1]
    const answer = await fetch(sandbox.authorizeUrl, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ request_id: requestId, tenant_id: NZ, decision: 'allow' }),
    })
    const code = new URL(answer.headers.get('location')!).searchParams.get('code')

    const wrongState = (await rejection(
      oauth.handleCallback(
        { code, state: 'forged' },
        { state: request.state, codeVerifier: request.codeVerifier }
      )
    )) as XeroAuthorizationError
    assert.equal(wrongState.reason, 'state_mismatch')
    assert.equal(sandbox.state.tokenExchangeCount, 0)

    const wrongVerifier = (await rejection(
      oauth.handleCallback(
        { code, state: request.state },
        { state: request.state, codeVerifier: 'x'.repeat(64) }
      )
    )) as XeroAuthorizationError
    assert.equal(wrongVerifier.reason, 'invalid_grant')
    assert.equal(sandbox.state.accessTokens.size, 0)
  })

  test('a denied consent comes back as access_denied and grants nothing', async ({ assert }) => {
    const { oauth } = xeroStackFor(sandbox)
    const request = oauth.startAuthorization()
    const html = await (await fetch(request.url)).text()
    const requestId = /name="request_id" value="([^"]+)"/.exec(html)![1]
    const answer = await fetch(sandbox.authorizeUrl, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ request_id: requestId, tenant_id: NZ, decision: 'deny' }),
    })
    const callback = new URL(answer.headers.get('location')!)
    assert.equal(callback.searchParams.get('error'), 'access_denied')
    assert.isNull(callback.searchParams.get('code'))

    const denied = (await rejection(
      oauth.handleCallback(
        { error: callback.searchParams.get('error'), state: callback.searchParams.get('state') },
        { state: request.state, codeVerifier: request.codeVerifier }
      )
    )) as XeroAuthorizationError
    assert.equal(denied.reason, 'access_denied')
    assert.equal(sandbox.state.grants.size, 0)
  })

  test("currencies: the organisation lists its own; an invoice in one it has not added is refused in Xero's words", async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const connection = xeroConnectionOf(product)
    assert.deepEqual(await gateway.getCurrencies(connection), [
      { code: 'NZD', description: 'New Zealand Dollar' },
    ])

    const [refused] = await gateway.createInvoices(connection, [
      invoice('USD-1', { currencyCode: 'USD' }),
    ])
    assert.isFalse(refused.ok)
    if (!refused.ok)
      assert.include(refused.messages, 'Organisation is not subscribed to currency USD')

    sandbox.state.organisation(NZ)!.currencies!.push({ Code: 'USD', Description: 'US Dollar' })
    assert.deepEqual(
      (await gateway.getCurrencies(connection)).map((currency) => currency.code),
      ['NZD', 'USD']
    )
    const [created] = await gateway.createInvoices(connection, [
      invoice('USD-1', { currencyCode: 'USD' }),
    ])
    assert.isTrue(created.ok)
    if (created.ok) assert.equal(created.value.currencyCode, 'USD')
  })

  test('every request the gateway sent so far matched the official Xero contract', async ({
    assert,
  }) => {
    assert.isAbove(validatedRequests, 50)
    assert.deepEqual(violations, [])
  })
})
