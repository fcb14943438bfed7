import { test } from '@japa/runner'
import {
  startXeroSandbox,
  XERO_SANDBOX_ACCOUNT_CODES,
  XERO_SANDBOX_CLIENT_ID,
  XERO_SANDBOX_CLIENT_SECRET,
  XERO_SANDBOX_TENANTS,
  type SandboxRequestLogEntry,
  type XeroSandbox,
} from '#sandbox/xero/index'
import { MASK } from '#sandbox/request_log'
import { knob, startStrictXeroSandbox } from '#tests/helpers/xero_sandbox'

/*
| The Xero sandbox itself, not our gateway: what it answers must be what Xero's
| documentation and its contract (reference/xero_accounting.yaml) say Xero answers.
*/

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId
const AU = XERO_SANDBOX_TENANTS.au.tenantId
const RATE_HEADERS = ['x-minlimit-remaining', 'x-daylimit-remaining', 'x-appminlimit-remaining']

/** A sandbox on a free port with a token for the NZ organisation, and raw HTTP calls to its Accounting API. */
async function sandboxWithToken(cleanup: (fn: () => Promise<void>) => void) {
  const sandbox = await startXeroSandbox({ port: 0 })
  cleanup(() => sandbox.close())
  const { accessToken, refreshToken } = sandbox.state.connect([NZ])
  const call = (
    method: string,
    path: string,
    options: { body?: string; tenantId?: string; token?: string } = {}
  ) =>
    fetch(`${sandbox.apiUrl}${path}`, {
      method,
      headers: {
        'authorization': `Bearer ${options.token ?? accessToken}`,
        'xero-tenant-id': options.tenantId ?? NZ,
        'accept': 'application/json',
        'content-type': 'application/json',
      },
      body: options.body,
    })
  return { sandbox, call, refreshToken }
}

type Call = Awaited<ReturnType<typeof sandboxWithToken>>['call']

/** Sales invoices with whole totals (no tax), so `Total` and `Date` are known exactly. */
async function seedInvoices(
  call: Call,
  invoices: { number: string; date: string; total: number; status?: string }[]
) {
  const answer = await call('PUT', '/Invoices', {
    body: JSON.stringify({
      Invoices: invoices.map((invoice) => ({
        Type: 'ACCREC',
        InvoiceNumber: invoice.number,
        Contact: { Name: 'Acme Manufacturing Ltd' },
        Date: invoice.date,
        DueDate: invoice.date,
        Status: invoice.status ?? 'AUTHORISED',
        LineAmountTypes: 'NoTax',
        LineItems: [
          {
            Description: 'Work',
            Quantity: 1,
            UnitAmount: invoice.total,
            AccountCode: XERO_SANDBOX_ACCOUNT_CODES.sales,
          },
        ],
      })),
    }),
  })
  if (answer.status !== 200)
    throw new Error(`seeding invoices failed: ${answer.status} ${await answer.text()}`)
}

async function invoiceNumbers(call: Call, query: Record<string, string>) {
  const answer = await call('GET', `/Invoices?${new URLSearchParams(query)}`)
  const body = (await answer.json()) as {
    Invoices?: { InvoiceNumber: string }[]
    Type?: string
    Message?: string
  }
  return {
    status: answer.status,
    numbers: body.Invoices?.map((invoice) => invoice.InvoiceNumber),
    body,
  }
}

async function requestLog(sandbox: XeroSandbox): Promise<SandboxRequestLogEntry[]> {
  return (await fetch(`${sandbox.url}/_sandbox/requests`)).json() as Promise<
    SandboxRequestLogEntry[]
  >
}

const INVOICES = [
  { number: 'W-1', date: '2023-12-31', total: 55, status: 'DRAFT' },
  { number: 'W-2', date: '2024-01-15', total: 9 },
  { number: 'W-3', date: '2024-02-10', total: 10 },
  { number: 'W-4', date: '2024-03-05', total: 100 },
]

test.group('Xero sandbox: where and order', () => {
  test('where reads DateTime(y, m, d) values: a date range finds the invoices dated in it', async ({
    assert,
    cleanup,
  }) => {
    const { call } = await sandboxWithToken(cleanup)
    await seedInvoices(call, INVOICES)

    const range = await invoiceNumbers(call, {
      where: 'Date >= DateTime(2024, 01, 01) && Date < DateTime(2024, 03, 01)',
    })
    const day = await invoiceNumbers(call, { where: 'Date == DateTime(2024,2,10)' })
    const due = await invoiceNumbers(call, {
      where: 'DueDate <= DateTime(2024, 01, 15, 0, 0, 0) AND Type == "ACCREC"',
    })
    const invalid = await invoiceNumbers(call, { where: 'Date > DateTime(2024, 02, 30)' })

    assert.deepEqual(range.numbers, ['W-2', 'W-3'])
    assert.deepEqual(day.numbers, ['W-3'])
    assert.sameMembers(due.numbers!, ['W-1', 'W-2'])
    assert.equal(invalid.status, 400)
    assert.equal(invalid.body.Type, 'QueryParseException')
  })

  test('where honours brackets: A AND (B OR C) is not (A AND B) OR C', async ({
    assert,
    cleanup,
  }) => {
    const { call } = await sandboxWithToken(cleanup)
    await seedInvoices(call, INVOICES)

    const grouped = await invoiceNumbers(call, {
      where: 'Status == "AUTHORISED" AND (InvoiceNumber == "W-1" OR Total > 50)',
    })
    const ungrouped = await invoiceNumbers(call, {
      where: 'Status == "AUTHORISED" AND InvoiceNumber == "W-1" OR Total > 50',
    })
    const nested = await invoiceNumbers(call, {
      where: '((Total == 9 || Total == 10) && !(InvoiceNumber == "W-3")) || (Status == "DRAFT")',
    })

    assert.deepEqual(grouped.numbers, ['W-4'])
    assert.sameMembers(ungrouped.numbers!, ['W-1', 'W-4'])
    assert.sameMembers(nested.numbers!, ['W-1', 'W-2'])
  })

  test('a where Xero cannot run is a 400 QueryParseException, not an empty list', async ({
    assert,
    cleanup,
  }) => {
    const { call } = await sandboxWithToken(cleanup)
    await seedInvoices(call, INVOICES)

    const unrunnable = [
      'Status == "AUTHORISED" AND (Total > 5',
      'Reference > "A"',
      'Total == "10"',
      'Date >= "2024-01-01"',
      'Total.Trim() == "x"',
    ]
    for (const where of unrunnable) {
      const answer = await invoiceNumbers(call, { where })
      assert.equal(answer.status, 400, where)
      assert.equal(answer.body.Type, 'QueryParseException', where)
    }
  })

  test('order sorts numbers as numbers and dates as dates, by several keys, either way', async ({
    assert,
    cleanup,
  }) => {
    const { call } = await sandboxWithToken(cleanup)
    await seedInvoices(call, INVOICES)

    const byTotal = await invoiceNumbers(call, { order: 'Total' })
    const byTotalDesc = await invoiceNumbers(call, { order: 'Total DESC' })
    const byDateDesc = await invoiceNumbers(call, { order: 'Date DESC' })
    const byStatusThenTotal = await invoiceNumbers(call, { order: 'Status ASC, Total DESC' })
    const unreadable = await invoiceNumbers(call, { order: 'Total UPWARDS' })

    assert.deepEqual(byTotal.numbers, ['W-2', 'W-3', 'W-1', 'W-4'])
    assert.deepEqual(byTotalDesc.numbers, ['W-4', 'W-1', 'W-3', 'W-2'])
    assert.deepEqual(byDateDesc.numbers, ['W-4', 'W-3', 'W-2', 'W-1'])
    assert.deepEqual(byStatusThenTotal.numbers, ['W-4', 'W-3', 'W-2', 'W-1'])
    assert.equal(unreadable.status, 400)
  })
})

test.group('Xero sandbox: rate limits as Xero reports them', () => {
  test('the daily limit answers 429 with X-Rate-Limit-Problem: day until the oldest call is a day old', async ({
    assert,
    cleanup,
  }) => {
    const { sandbox, call } = await sandboxWithToken(cleanup)
    await knob(sandbox, '/limits', { perDay: 2 })

    const first = await call('GET', '/Organisation')
    await call('GET', '/Accounts')
    const refused = await call('GET', '/TaxRates')

    assert.equal(first.headers.get('x-daylimit-remaining'), '1')
    assert.equal(refused.status, 429)
    assert.equal(refused.headers.get('x-rate-limit-problem'), 'day')
    assert.equal(refused.headers.get('x-daylimit-remaining'), '0')
    assert.isAbove(Number(refused.headers.get('retry-after')), 86_000)
  })

  test('an injected 429 names its limit the way Xero does; "daily" is refused with the values to use', async ({
    assert,
    cleanup,
  }) => {
    const { sandbox, call } = await sandboxWithToken(cleanup)
    const problems: (string | null)[] = []
    for (const problem of ['day', 'minute', 'concurrent', 'appminute']) {
      await knob(sandbox, '/faults', { kind: '429', problem })
      problems.push((await call('GET', '/Accounts')).headers.get('x-rate-limit-problem'))
    }

    const refused = await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: '429', problem: 'daily' }),
    })

    assert.deepEqual(problems, ['day', 'minute', 'concurrent', 'appminute'])
    assert.equal(refused.status, 400)
    assert.include(
      ((await refused.json()) as { error: string }).error,
      'minute, day, concurrent, appminute'
    )
    assert.lengthOf(sandbox.state.faults, 0)
  })

  test('every Accounting API answer carries the three rate-limit headers, errors included', async ({
    assert,
    cleanup,
  }) => {
    const { sandbox, call } = await sandboxWithToken(cleanup)
    const answers: Record<string, Response> = {}

    answers.ok = await call('GET', '/Accounts')
    answers.badJson = await call('PUT', '/Invoices', { body: '{"Invoices": [' })
    answers.validation = await call('PUT', '/Invoices', {
      body: JSON.stringify({ Invoices: [{ Type: 'ACCREC' }] }),
    })
    answers.notFound = await call('GET', '/Invoices/00000000-0000-4000-8000-000000000000')
    answers.badToken = await call('GET', '/Accounts', { token: 'not-a-token' })
    answers.notConnected = await call('GET', '/Accounts', { tenantId: AU })
    answers.noTenant = await call('GET', '/Accounts', { tenantId: '' })
    answers.badWhere = await call('GET', '/Invoices?where=Total%20%3E')
    await knob(sandbox, '/faults', { kind: '500' })
    answers.serverError = await call('GET', '/Accounts')
    await knob(sandbox, '/limits', { perMinute: 1 })
    answers.limited = await call('GET', '/Accounts')

    assert.deepEqual(
      Object.fromEntries(Object.entries(answers).map(([name, answer]) => [name, answer.status])),
      {
        ok: 200,
        badJson: 400,
        validation: 400,
        notFound: 404,
        badToken: 401,
        notConnected: 403,
        noTenant: 403,
        badWhere: 400,
        serverError: 500,
        limited: 429,
      }
    )
    for (const [name, answer] of Object.entries(answers)) {
      for (const header of RATE_HEADERS)
        assert.match(answer.headers.get(header) ?? '', /^\d+$/, `${name}: ${header}`)
    }
  })
})

test.group('Xero sandbox: request log', () => {
  test('/_sandbox/requests keeps the body of each request, with client secrets and tokens masked', async ({
    assert,
    cleanup,
  }) => {
    const { sandbox, call, refreshToken } = await sandboxWithToken(cleanup)
    const invoice = {
      Invoices: [{ Type: 'ACCREC', Contact: { Name: 'Acme Manufacturing Ltd' }, LineItems: [] }],
    }

    await call('PUT', '/Invoices', { body: JSON.stringify(invoice) })
    await call('POST', '/Contacts', { body: '{"Contacts": [' })
    await call('GET', '/Accounts')
    const basic = Buffer.from(`${XERO_SANDBOX_CLIENT_ID}:${XERO_SANDBOX_CLIENT_SECRET}`).toString(
      'base64'
    )
    await fetch(sandbox.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'authorization': `Basic ${basic}`,
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      }).toString(),
    })
    await fetch(sandbox.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'a-code',
        code_verifier: 'a-verifier',
        client_id: XERO_SANDBOX_CLIENT_ID,
        client_secret: XERO_SANDBOX_CLIENT_SECRET,
        redirect_uri: 'http://127.0.0.1/callback',
      }).toString(),
    })
    const log = await requestLog(sandbox)

    assert.deepEqual(
      log.map((entry) => [entry.method, entry.path.replace(/^\/api\.xro\/2\.0/, ''), entry.body]),
      [
        ['PUT', '/Invoices', invoice],
        ['POST', '/Contacts', '{"Contacts": ['],
        ['GET', '/Accounts', null],
        ['POST', '/connect/token', { grant_type: 'refresh_token', refresh_token: MASK }],
        [
          'POST',
          '/connect/token',
          {
            grant_type: 'authorization_code',
            code: MASK,
            code_verifier: MASK,
            client_id: XERO_SANDBOX_CLIENT_ID,
            client_secret: MASK,
            redirect_uri: 'http://127.0.0.1/callback',
          },
        ],
      ]
    )
    const text = JSON.stringify(log)
    for (const secret of [refreshToken, XERO_SANDBOX_CLIENT_SECRET, 'a-verifier'])
      assert.notInclude(text, secret)
  })
})

test.group('Xero sandbox contract checking', () => {
  test('a request that breaks the official contract is recorded as a violation', async ({
    assert,
  }) => {
    const sandbox = await startStrictXeroSandbox()
    try {
      const { accessToken } = sandbox.state.connect([NZ])
      await fetch(`${sandbox.apiUrl}/Invoices?unitdp=four`, {
        method: 'PUT',
        headers: {
          'authorization': `Bearer ${accessToken}`,
          'xero-tenant-id': NZ,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          Invoices: [{ Type: 'SALE', Contact: { Name: 'Acme Manufacturing Ltd' } }],
        }),
      })
      await fetch(`${sandbox.apiUrl}/TaxRates`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
      const messages = sandbox.state.violations.flatMap((violation) => violation.errors)
      assert.lengthOf(sandbox.state.violations, 2)
      assert.isTrue(messages.some((message) => message.includes('/query/unitdp')))
      assert.isTrue(
        messages.some((message) => message.includes("must have required property 'xero-tenant-id'"))
      )
    } finally {
      await sandbox.close()
    }
  })
})

test.group('Xero sandbox: contact updates', () => {
  test('POST /Contacts/{id} changes the fields sent; an address or phone replaces only the one of its type', async ({
    assert,
    cleanup,
  }) => {
    const { sandbox, call } = await sandboxWithToken(cleanup)
    const contact = sandbox.state
      .organisation(NZ)!
      .contacts.find((c) => c.ContactNumber === '1001')!
    contact.Addresses = [{ AddressType: 'STREET', AddressLine1: '1 Shop Street' }]
    contact.Phones = [{ PhoneType: 'MOBILE', PhoneNumber: '021 000 000' }]

    const answer = await call('POST', `/Contacts/${contact.ContactID}`, {
      body: JSON.stringify({
        Contacts: [
          {
            Addresses: [{ AddressType: 'POBOX', AddressLine1: 'PO Box 1', City: 'Auckland' }],
            Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: '09 300 1000' }],
          },
        ],
      }),
    })
    assert.equal(answer.status, 200)
    const [updated] = ((await answer.json()) as any).Contacts
    assert.equal(updated.Name, 'Acme Manufacturing Ltd')
    assert.equal(updated.EmailAddress, 'accounts@acme.example')
    assert.deepEqual(updated.Addresses, [
      { AddressType: 'STREET', AddressLine1: '1 Shop Street' },
      { AddressType: 'POBOX', AddressLine1: 'PO Box 1', City: 'Auckland' },
    ])
    assert.deepEqual(updated.Phones, [
      { PhoneType: 'MOBILE', PhoneNumber: '021 000 000' },
      { PhoneType: 'DEFAULT', PhoneNumber: '09 300 1000' },
    ])

    // A second POBOX replaces the first.
    const again = await call('POST', '/Contacts', {
      body: JSON.stringify({
        Contacts: [
          {
            ContactID: contact.ContactID,
            Addresses: [{ AddressType: 'POBOX', AddressLine1: 'PO Box 2' }],
          },
        ],
      }),
    })
    const [twice] = ((await again.json()) as any).Contacts
    assert.deepEqual(twice.Addresses, [
      { AddressType: 'STREET', AddressLine1: '1 Shop Street' },
      { AddressType: 'POBOX', AddressLine1: 'PO Box 2' },
    ])
    assert.lengthOf(twice.Phones, 2)
  })
})
