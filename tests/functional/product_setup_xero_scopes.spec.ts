import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { XeroOAuth } from '#integrations/xero/xero_oauth'
import { AUTOTASK_SANDBOX_USER } from '#sandbox/autotask/index'
import {
  GRANULAR_SCOPES_CUTOFF,
  XERO_SANDBOX_CLIENT_ID,
  XERO_SANDBOX_TENANTS,
  type XeroSandbox,
} from '#sandbox/xero/index'
import Product from '#models/product'
import type User from '#models/user'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { resetDatabase } from '#tests/helpers/database'
import { answerConsent, testRedirectUri, useSetupSandboxes } from '#tests/helpers/setup_sandboxes'
import { knob, xeroStackFor } from '#tests/helpers/xero_sandbox'
import type { XeroConfig } from '#config/xero'

const NZ = XERO_SANDBOX_TENANTS.nz
/** A Xero app registered before the granular-scopes cut-off. */
const OLD_CLIENT = {
  clientId: 'AT0OLD0APP0CREATED0BEFORE0MARCH0',
  clientSecret: 'old-app-secret',
  createdOn: '2025-06-30',
}

test.group(
  'Connect to Xero with the 2026 scopes: granular, or legacy for apps before 2 March 2026',
  (group) => {
    let xero: XeroSandbox

    group.setup(async () => {
      const sandboxes = await useSetupSandboxes()
      xero = sandboxes.xero
      return () => sandboxes.stop()
    })
    group.each.setup(async () => {
      await resetDatabase()
      xero.state.reset()
      // Each test may run the wizard with another configuration; the next starts from the default again.
      return () => useXeroConfig({})
    })

    /** The wizard's Xero classes as a server with this configuration would have them. */
    function useXeroConfig(overrides: Partial<XeroConfig>) {
      const { oauth } = xeroStackFor(xero, { redirectUri: testRedirectUri(), ...overrides })
      app.container.swap(XeroOAuth, () => oauth)
    }

    async function startXero(client: any, owner: User, product: Product) {
      const response = await client
        .post(`/products/${product.id}/setup/xero`)
        .withCsrfToken()
        .loginAs(owner)
        .redirects(0)
      response.assertStatus(302)
      return {
        authorizeUrl: response.header('location') as string,
        authorization: response.session('xeroAuthorization'),
      }
    }

    /** The scopes Xero granted the product's stored connection. */
    function grantedScope(product: Product) {
      const token = xero.state.accessTokens.get(product.xeroTokens!.accessToken)!
      return xero.state.grants.get(token.grantId)!.scope
    }

    function callback(client: any, owner: User, url: URL, authorization: unknown) {
      return client
        .get(`${url.pathname}${url.search}`)
        .loginAs(owner)
        .withSession({ xeroAuthorization: authorization })
        .redirects(0)
    }

    test('the wizard connects a Xero app registered as new with the granular scopes, and the mappings read Xero', async ({
      client,
      assert,
    }) => {
      const registered = xero.state.clients.get(XERO_SANDBOX_CLIENT_ID)!
      assert.isTrue(registered.createdOn >= GRANULAR_SCOPES_CUTOFF, 'registered as new')
      const owner = await UserFactory.with('account').create()
      await client
        .post('/products')
        .withCsrfToken()
        .loginAs(owner)
        .form({ name: 'Harbour Books' })
        .redirects(0)
      const product = await Product.query().where('account_id', owner.accountId).firstOrFail()
      const credentials = {
        username: AUTOTASK_SANDBOX_USER.username,
        secret: AUTOTASK_SANDBOX_USER.secret,
        integrationCode: AUTOTASK_SANDBOX_USER.integrationCode,
      }
      const autotaskStep = client
        .put(`/products/${product.id}/setup/autotask`)
        .withCsrfToken()
        .loginAs(owner)
      ;(await autotaskStep.form(credentials).redirects(0)).assertStatus(302)

      const step = await client.get(`/products/${product.id}/setup/xero`).loginAs(owner)
      step.assertTextIncludes('data-testid="xero-permissions"')
      step.assertTextIncludes(
        'offline_access accounting.invoices accounting.contacts accounting.settings.read'
      )

      const { authorizeUrl, authorization } = await startXero(client, owner, product)
      const asked = new URL(authorizeUrl).searchParams.get('scope')!.split(' ')
      const granular = [
        'offline_access',
        'accounting.invoices',
        'accounting.contacts',
        'accounting.settings.read',
      ]
      assert.includeMembers(asked, granular)
      assert.notInclude(asked, 'accounting.transactions')
      const back = await answerConsent(authorizeUrl, { tenantIds: [NZ.tenantId] })
      const response = await callback(client, owner, back, authorization)
      response.assertStatus(302)
      response.assertHeader('location', `/products/${product.id}/setup/mappings`)

      const stored = await Product.findOrFail(product.id)
      assert.equal(stored.xeroTenantId, NZ.tenantId)
      assert.equal(grantedScope(stored), asked.join(' '))
      const mappings = await client.get(`/products/${product.id}/setup/mappings`).loginAs(owner)
      mappings.assertStatus(200)
      mappings.assertTextIncludes('data-testid="default-account"')
      mappings.assertTextIncludes('value="OUTPUT2"')
      assert.isFalse(
        xero.state.requestLog.some((entry) => entry.status === 401),
        'no call lacked a scope'
      )
    })

    test('legacy scopes against a Xero app registered as new are refused, say what to change, lose nothing', async ({
      client,
      assert,
    }) => {
      const owner = await UserFactory.with('account').create()
      const earlier = xero.state.connect([NZ.tenantId])
      const tokens = {
        accessToken: earlier.accessToken,
        refreshToken: earlier.refreshToken,
        expiresAt: earlier.expiresAt.toISOString(),
      }
      const product = await ProductFactory.merge({
        accountId: owner.accountId,
        xeroTenantId: NZ.tenantId,
        xeroTenantName: NZ.name,
        xeroHealth: 'ok',
        xeroTokens: tokens,
      }).create()
      useXeroConfig({ scopeSet: 'legacy' })

      const { authorizeUrl, authorization } = await startXero(client, owner, product)
      assert.include(
        new URL(authorizeUrl).searchParams.get('scope')!.split(' '),
        'accounting.transactions'
      )
      const refused = await fetch(authorizeUrl, { redirect: 'manual' })
      assert.equal(refused.status, 302)
      const back = new URL(refused.headers.get('location')!)
      assert.equal(back.pathname, '/xero/callback')
      assert.equal(back.searchParams.get('error'), 'invalid_scope')

      const response = await callback(client, owner, back, authorization)
      response.assertStatus(302)
      response.assertHeader('location', `/products/${product.id}/setup/xero`)
      const message = response.flashMessage('setupError') as string
      assert.include(message, 'Xero refused the requested permissions (invalid_scope).')
      assert.include(message, 'created on or after 2 March 2026 and must use the granular scopes')
      assert.include(message, 'set XERO_SCOPE_SET=granular')
      assert.include(message, 'Nothing was saved.')
      response.assertSessionMissing('xeroAuthorization')

      const page = await client
        .get(`/products/${product.id}/setup/xero`)
        .loginAs(owner)
        .withFlashMessages({ setupError: message })
      page.assertTextIncludes('data-testid="setup-error"')
      page.assertTextIncludes('XERO_SCOPE_SET=granular')
      page.assertTextIncludes('XERO_SCOPE_SET=legacy')
      const stored = await Product.findOrFail(product.id)
      assert.deepEqual(stored.xeroTokens, tokens)
      assert.equal(stored.xeroTenantId, NZ.tenantId)
      assert.equal(stored.xeroHealth, 'ok')
      assert.equal(xero.state.tokenExchangeCount, 0)
    })

    test('a Xero app registered as old still connects with XERO_SCOPE_SET=legacy', async ({
      client,
      assert,
    }) => {
      await knob(xero, '/clients', OLD_CLIENT)
      useXeroConfig({
        scopeSet: 'legacy',
        clientId: OLD_CLIENT.clientId,
        clientSecret: OLD_CLIENT.clientSecret,
      })
      const owner = await UserFactory.with('account').create()
      const product = await ProductFactory.merge({ accountId: owner.accountId }).create()

      const { authorizeUrl, authorization } = await startXero(client, owner, product)
      const back = await answerConsent(authorizeUrl, { tenantIds: [NZ.tenantId] })
      const response = await callback(client, owner, back, authorization)
      response.assertStatus(302)
      response.assertHeader('location', `/products/${product.id}/setup/mappings`)
      const stored = await Product.findOrFail(product.id)
      assert.equal(stored.xeroTenantId, NZ.tenantId)
      assert.include(grantedScope(stored), 'accounting.transactions')
    })
  }
)
