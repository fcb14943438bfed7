import { test } from '@japa/runner'
import { ProductFactory } from '#database/factories/product_factory'
import { resetDatabase } from '#tests/helpers/database'
import { knob, startStrictXeroSandbox, xeroStackFor } from '#tests/helpers/xero_sandbox'
import {
  XERO_SANDBOX_ACCOUNT_CODES,
  XERO_SANDBOX_CLIENT_ID,
  XERO_SANDBOX_TAX_TYPES,
  XERO_SANDBOX_TENANTS,
  type XeroSandbox,
} from '#sandbox/xero/index'
import { XeroAuthorizationError, XeroUnauthorizedError } from '#integrations/xero/errors'
import type { XeroInvoiceInput } from '#integrations/xero/xero_gateway'
import type { XeroConfig } from '#config/xero'
import { xeroConnectionOf } from '#sync/product_connections'
import { rejection } from '#tests/helpers/assertions'

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId
/** A Xero app registered before the granular-scopes cut-off. */
const OLD_CLIENT = {
  clientId: 'AT0OLD0APP0CREATED0BEFORE0MARCH0',
  clientSecret: 'old-app-secret',
  createdOn: '2025-06-30',
}

const invoice: XeroInvoiceInput = {
  type: 'ACCREC',
  contact: { contactNumber: '1001', name: 'Acme Manufacturing Ltd' },
  invoiceNumber: 'AT-SCOPE-1',
  reference: 'AT-SCOPE-1',
  date: '2024-05-01',
  dueDate: '2024-05-21',
  status: 'AUTHORISED',
  lineAmountTypes: 'Exclusive',
  lineItems: [
    {
      description: 'Managed services',
      quantity: '1',
      unitAmount: '100',
      accountCode: XERO_SANDBOX_ACCOUNT_CODES.sales,
      taxType: XERO_SANDBOX_TAX_TYPES.gstOnIncome,
    },
  ],
}

/** What the sandbox's /_sandbox/connect knob answers. */
interface SandboxConnection {
  accessToken: string
  refreshToken: string
  expiresAt: string
}

test.group(
  'Xero scopes: the sandbox enforces them per endpoint and per client, the app says what to do',
  (group) => {
    let sandbox: XeroSandbox

    group.setup(async () => {
      sandbox = await startStrictXeroSandbox()
      return () => sandbox.close()
    })
    group.each.setup(async () => {
      await resetDatabase()
      sandbox.state.reset()
    })

    /** The app's Xero classes on the sandbox, with room for a loaded machine. */
    function stack(overrides: Partial<XeroConfig> = {}) {
      return xeroStackFor(sandbox, { timeoutMs: 15_000, ...overrides })
    }

    /** A product whose connection was granted exactly these scopes. */
    async function productGranted(scope: string) {
      const connection = (await knob(sandbox, '/connect', {
        tenantIds: [NZ],
        scope,
      })) as SandboxConnection
      return ProductFactory.with('account')
        .merge({
          xeroTenantId: NZ,
          xeroTenantName: 'Sandbox',
          xeroHealth: 'ok',
          xeroTokens: {
            accessToken: connection.accessToken,
            refreshToken: connection.refreshToken,
            expiresAt: connection.expiresAt,
          },
        })
        .create()
    }

    /** One raw Accounting API call with a token of these scopes. */
    async function rawCall(scope: string, method: string, path: string, body?: unknown) {
      const { accessToken } = (await knob(sandbox, '/connect', {
        tenantIds: [NZ],
        scope,
      })) as SandboxConnection
      return fetch(`${sandbox.apiUrl}${path}`, {
        method,
        headers: {
          'authorization': `Bearer ${accessToken}`,
          'xero-tenant-id': NZ,
          'accept': 'application/json',
          'content-type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    }

    test('an endpoint no granted scope covers answers 401 insufficient_scope in Xero’s shape', async ({
      assert,
    }) => {
      const refused = await rawCall('offline_access accounting.settings.read', 'GET', '/Invoices')
      assert.equal(refused.status, 401)
      assert.include(refused.headers.get('www-authenticate') ?? '', 'insufficient_scope')
      const shape = { Title: 'Unauthorized', Status: 401, Detail: 'AuthorizationUnsuccessful' }
      assert.containSubset(await refused.json(), shape)
      assert.equal(
        (await rawCall('offline_access accounting.settings.read', 'GET', '/TaxRates')).status,
        200
      )
      assert.equal(
        (await rawCall('offline_access accounting.invoices', 'GET', '/Contacts')).status,
        401
      )
      assert.equal(
        (await rawCall('offline_access accounting.invoices', 'GET', '/Accounts')).status,
        401
      )

      const { gateway } = stack()
      const product = await productGranted('offline_access accounting.settings.read')
      assert.isAbove((await gateway.getTaxRates(xeroConnectionOf(product))).length, 0)
      const refreshes = sandbox.state.tokenRefreshCount
      const error = await rejection(
        gateway.createInvoices(xeroConnectionOf(product), [invoice], { idempotencyKey: 'scope-1' })
      )
      assert.instanceOf(error, XeroUnauthorizedError)
      assert.equal(
        sandbox.state.tokenRefreshCount,
        refreshes,
        'a new token would not add the scope: no refresh'
      )
      assert.include((error as Error).message, 'lacks the permission it needs (insufficient_scope)')
      assert.lengthOf(sandbox.state.invoices(NZ), 0)
    })

    test('a .read scope reads but cannot write; the full scope writes', async ({ assert }) => {
      const { gateway } = stack()
      const reader = await productGranted(
        'offline_access accounting.invoices.read accounting.contacts.read accounting.settings.read'
      )
      assert.deepEqual(
        await gateway.getInvoicesByNumbers(xeroConnectionOf(reader), ['AT-SCOPE-1']),
        []
      )
      const write = gateway.createInvoices(xeroConnectionOf(reader), [invoice], {
        idempotencyKey: 'scope-2',
      })
      assert.instanceOf(await rejection(write), XeroUnauthorizedError)
      const contact = { name: 'Read Only Ltd', contactNumber: '9999' }
      const contactWrite = gateway.createContacts(xeroConnectionOf(reader), [contact], {
        idempotencyKey: 'scope-3',
      })
      assert.instanceOf(await rejection(contactWrite), XeroUnauthorizedError)
      assert.lengthOf(sandbox.state.invoices(NZ), 0)
      const taxRateWrite = await rawCall(
        'offline_access accounting.settings.read',
        'PUT',
        '/TaxRates',
        { TaxRates: [] }
      )
      assert.equal(taxRateWrite.status, 401)

      const writer = await productGranted(
        'offline_access accounting.invoices accounting.contacts accounting.settings.read'
      )
      const [created] = await gateway.createInvoices(xeroConnectionOf(writer), [invoice], {
        idempotencyKey: 'scope-4',
      })
      assert.isTrue(created.ok)
      assert.lengthOf(sandbox.state.invoices(NZ), 1)
    })

    test('the legacy broad scopes cover what they covered; items stay readable with accounting.settings.read', async ({
      assert,
    }) => {
      const { gateway } = stack()
      const legacy = await productGranted(
        'offline_access accounting.transactions accounting.contacts accounting.settings.read'
      )
      const [created] = await gateway.createInvoices(xeroConnectionOf(legacy), [invoice], {
        idempotencyKey: 'scope-5',
      })
      assert.isTrue(created.ok)
      assert.isArray(await gateway.getItems(xeroConnectionOf(legacy)))
      const readerWrite = await rawCall('accounting.transactions.read', 'PUT', '/Invoices', {
        Invoices: [],
      })
      assert.equal(readerWrite.status, 401)
    })

    test('a client registered as new is refused the broad scopes; the app says to choose granular', async ({
      assert,
    }) => {
      const { oauth } = stack({ scopeSet: 'legacy' })
      const request = oauth.startAuthorization()
      assert.include(new URL(request.url).searchParams.get('scope')!, 'accounting.transactions')
      const answer = await fetch(request.url, { redirect: 'manual' })
      assert.equal(answer.status, 302)
      const back = new URL(answer.headers.get('location')!)
      assert.equal(back.origin + back.pathname, 'http://127.0.0.1:3402/xero/callback')
      assert.equal(back.searchParams.get('error'), 'invalid_scope')
      assert.equal(back.searchParams.get('state'), request.state)
      assert.equal(sandbox.state.consentRequests.size, 0)

      const error = await rejection(
        oauth.handleCallback(
          {
            code: back.searchParams.get('code'),
            state: back.searchParams.get('state'),
            error: back.searchParams.get('error'),
          },
          { state: request.state, codeVerifier: request.codeVerifier }
        )
      )
      assert.instanceOf(error, XeroAuthorizationError)
      assert.equal((error as XeroAuthorizationError).reason, 'invalid_scope')
      assert.include((error as Error).message, 'set XERO_SCOPE_SET=granular')
      assert.equal(sandbox.state.tokenExchangeCount, 0)
      assert.equal(sandbox.state.grants.size, 0)
    })

    test('a client registered as old may still ask for the broad scopes, or the granular ones', async ({
      assert,
    }) => {
      await knob(sandbox, '/clients', OLD_CLIENT)
      for (const scopeSet of ['legacy', 'granular'] as const) {
        const { oauth } = stack({
          scopeSet,
          clientId: OLD_CLIENT.clientId,
          clientSecret: OLD_CLIENT.clientSecret,
        })
        const page = await fetch(oauth.startAuthorization().url, { redirect: 'manual' })
        assert.equal(page.status, 200, scopeSet)
        assert.include(await page.text(), 'Allow access')
      }
      const { oauth } = stack({ clientId: XERO_SANDBOX_CLIENT_ID })
      assert.equal(
        (await fetch(oauth.startAuthorization().url, { redirect: 'manual' })).status,
        200
      )
    })

    test('an unknown scope is refused with invalid_scope too', async ({ assert }) => {
      const { oauth } = stack({ scopes: ['offline_access', 'accounting.everything'] })
      const answer = await fetch(oauth.startAuthorization().url, { redirect: 'manual' })
      assert.equal(answer.status, 302)
      assert.equal(
        new URL(answer.headers.get('location')!).searchParams.get('error'),
        'invalid_scope'
      )
    })
  }
)
