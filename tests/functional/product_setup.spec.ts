import { test } from '@japa/runner'
import AuditEvent from '#models/audit_event'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import autotaskConfig from '#config/autotask'
import { AutotaskClient } from '#integrations/autotask/autotask_client'
import { HttpAutotaskClient } from '#integrations/autotask/http_autotask_client'
import {
  AUTOTASK_SANDBOX_USER,
  UNMAPPED_TAX_REGION_ID,
  type AutotaskSandbox,
} from '#sandbox/autotask/index'
import { XERO_SANDBOX_TENANTS, type XeroSandbox } from '#sandbox/xero/index'
import { XeroGateway } from '#integrations/xero/xero_gateway'
import { DEFAULT_MAPPING_VALUE } from '#enums/sync'
import Mapping from '#models/mapping'
import Product from '#models/product'
import { xeroConnectionOf } from '#sync/product_connections'
import type User from '#models/user'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { resetDatabase } from '#tests/helpers/database'
import { logMessages } from '#tests/helpers/assertions'
import { answerConsent, useSetupSandboxes } from '#tests/helpers/setup_sandboxes'

const NZ = XERO_SANDBOX_TENANTS.nz
const AU = XERO_SANDBOX_TENANTS.au
const credentials = {
  username: AUTOTASK_SANDBOX_USER.username,
  secret: AUTOTASK_SANDBOX_USER.secret,
  integrationCode: AUTOTASK_SANDBOX_USER.integrationCode,
}

/** A Paused product with no connections yet, as step 1 leaves it. */
function bareProduct(owner: User, name = 'Harbour Books') {
  return ProductFactory.merge({
    accountId: owner.accountId,
    name,
    autotaskUsername: null,
    autotaskSecret: null,
    autotaskIntegrationCode: null,
  }).create()
}

/** The stored (encrypted) column values, as the database holds them. */
async function rawProductRow(id: number) {
  return db.from('products').where('id', id).firstOrFail()
}

test.group('Add a New Product wizard, against the Autotask and Xero sandboxes', (group) => {
  let autotask: AutotaskSandbox
  let xero: XeroSandbox

  group.setup(async () => {
    const sandboxes = await useSetupSandboxes()
    autotask = sandboxes.autotask
    xero = sandboxes.xero
    return async () => {
      const violations = [...xero.state.violations]
      await sandboxes.stop()
      if (violations.length > 0)
        throw new Error(`Requests broke the Xero contract: ${JSON.stringify(violations)}`)
    }
  })
  group.each.setup(resetDatabase)

  /** Starts "Connect to Xero" for the product; returns the authorize URL and what the session remembered. */
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

  /** Follows Xero's answer back into the app with the session of the browser that started it. */
  function callback(client: any, owner: User, url: URL, authorization: unknown) {
    return client
      .get(`${url.pathname}${url.search}`)
      .loginAs(owner)
      .withSession({ xeroAuthorization: authorization })
      .redirects(0)
  }

  test('step 1 creates the product Paused and goes on to the Autotask step', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const response = await client
      .post('/products')
      .withCsrfToken()
      .loginAs(owner)
      .form({ name: 'Harbour Books' })
      .redirects(0)
    const product = await Product.query().where('account_id', owner.accountId).firstOrFail()
    response.assertStatus(302)
    response.assertHeader('location', `/products/${product.id}/setup/autotask`)
    assert.equal(product.status, 'paused')
    assert.lengthOf(await logMessages(product.id, 'product.created'), 1)
    const created = await AuditEvent.findByOrFail('action', 'product.created')
    assert.deepInclude(created.$attributes, {
      accountId: owner.accountId,
      productId: product.id,
      productName: 'Harbour Books',
      actorUserId: owner.id,
    })

    const page = await client.get(`/products/${product.id}/setup/autotask`).loginAs(owner)
    page.assertStatus(200)
    page.assertTextIncludes('data-testid="setup-steps"')
    assert.match(
      page.text(),
      /<a href="[^"]+\/setup\/autotask" aria-current="step">\s*2\. Autotask\s*<\/a>/
    )
    assert.lengthOf(page.text().match(/aria-current="step"/g) ?? [], 1)
  })

  test('step 1 through htmx answers with HX-Redirect to the Autotask step', async ({ client }) => {
    const owner = await UserFactory.with('account').create()
    const response = await client
      .post('/products')
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
      .form({ name: 'Harbour Books' })
      .redirects(0)
    const product = await Product.query().where('account_id', owner.accountId).firstOrFail()
    response.assertStatus(204)
    response.assertHeader('hx-redirect', `/products/${product.id}/setup/autotask`)
  })

  test('a wrong Autotask secret is refused with 422 in plain words, and nothing is stored', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const response = await client
      .put(`/products/${product.id}/setup/autotask`)
      .withCsrfToken()
      .loginAs(owner)
      .form({ ...credentials, secret: 'not-the-secret' })
    response.assertStatus(422)
    response.assertTextIncludes(
      `Autotask refused the secret of API user &quot;${credentials.username}&quot;`
    )
    response.assertTextIncludes('Nothing was saved.')
    response.assertTextIncludes('name="secret" type="password" value=""')
    assert.notInclude(response.text(), 'not-the-secret')
    response.assertTextIncludes(`value="${credentials.username}"`)

    const row = await rawProductRow(product.id)
    assert.isNull(row.autotask_username)
    assert.isNull(row.autotask_secret)
    assert.isNull(row.autotask_integration_code)
    assert.isNull(row.autotask_zone_url)
    assert.equal(row.autotask_health, 'unknown')
    assert.lengthOf(await logMessages(product.id, 'product.autotask_connected'), 0)
  })

  test('a wrong user, a wrong integration code and an unreachable Autotask each say what is wrong', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const attempt = (form: typeof credentials) =>
      client
        .put(`/products/${product.id}/setup/autotask`)
        .withCsrfToken()
        .header('HX-Request', 'true')
        .loginAs(owner)
        .form(form)

    const wrongUser = await attempt({ ...credentials, username: 'nobody@demo.example' })
    wrongUser.assertStatus(422)
    wrongUser.assertTextIncludes(
      'Autotask does not know the API user &quot;nobody@demo.example&quot;'
    )

    const wrongCode = await attempt({ ...credentials, integrationCode: 'WRONG0INTEGRATION0CODE' })
    wrongCode.assertStatus(422)
    wrongCode.assertTextIncludes('Autotask refused the API integration code')

    app.container.swap(
      AutotaskClient,
      () => new HttpAutotaskClient({ ...autotaskConfig, zoneLookupUrl: 'http://127.0.0.1:1' })
    )
    try {
      const unreachable = await attempt(credentials)
      unreachable.assertStatus(422)
      unreachable.assertTextIncludes('Could not reach Autotask')
      assert.notInclude(unreachable.text(), 'it will be tried again')
    } finally {
      app.container.swap(
        AutotaskClient,
        () => new HttpAutotaskClient({ ...autotaskConfig, zoneLookupUrl: autotask.lookupUrl })
      )
    }
    const row = await rawProductRow(product.id)
    assert.isNull(row.autotask_secret)
    assert.equal(row.autotask_health, 'unknown')
  })

  test('missing fields re-render through htmx with 422 and field errors, the secret left empty', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const response = await client
      .put(`/products/${product.id}/setup/autotask`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
      .form({ username: 'not-an-email', secret: 'Typed-Secret-1', integrationCode: '' })
    response.assertStatus(422)
    response.assertTextIncludes('id="username-error"')
    response.assertTextIncludes('id="integrationCode-error"')
    response.assertTextIncludes('name="secret" type="password" value=""')
    assert.notInclude(response.text(), 'Typed-Secret-1')
    assert.isNull((await rawProductRow(product.id)).autotask_secret)
  })

  test('the right credentials are stored encrypted with the zone, health ok, and a log line without secrets', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const response = await client
      .put(`/products/${product.id}/setup/autotask`)
      .withCsrfToken()
      .loginAs(owner)
      .form(credentials)
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', `/products/${product.id}/setup/xero`)

    const row = await rawProductRow(product.id)
    assert.equal(row.autotask_username, credentials.username)
    assert.notInclude(row.autotask_secret, credentials.secret)
    assert.notInclude(row.autotask_integration_code, credentials.integrationCode)
    assert.equal(row.autotask_zone_url, `${autotask.lookupUrl}/atservicesrest/`)
    assert.equal(row.autotask_health, 'ok')
    const stored = await Product.findOrFail(product.id)
    assert.equal(stored.autotaskSecret, credentials.secret)
    assert.equal(stored.autotaskIntegrationCode, credentials.integrationCode)

    const [line] = await logMessages(product.id, 'product.autotask_connected')
    assert.include(line, `Autotask connected as API user ${credentials.username}`)
    assert.include(line, owner.email)
    assert.notInclude(line, credentials.secret)
    assert.notInclude(line, credentials.integrationCode)
    // The audit trail names the API user and masks the integration code; the secret is never in it.
    const audited = await AuditEvent.findByOrFail('action', 'product.autotask_connected')
    assert.equal(audited.productId, product.id)
    assert.deepInclude(audited.details!, {
      username: credentials.username,
      integrationCode: '••••••',
    })
    assert.notInclude(JSON.stringify(audited.details), credentials.secret)

    const page = await client.get(`/products/${product.id}/setup/autotask`).loginAs(owner)
    page.assertTextIncludes('name="secret" type="password" value=""')
    assert.notInclude(page.text(), credentials.secret)
    assert.notInclude(page.text(), credentials.integrationCode)
  })

  test('Connect to Xero with one organisation stores tokens and tenant together and goes on to the mappings', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const { authorizeUrl, authorization } = await startXero(client, owner, product)
    assert.isTrue(authorizeUrl.startsWith(xero.authorizeUrl))
    assert.equal(authorization.productId, product.id)
    assert.equal(new URL(authorizeUrl).searchParams.get('state'), authorization.state)
    assert.equal(new URL(authorizeUrl).searchParams.get('code_challenge_method'), 'S256')

    const back = await answerConsent(authorizeUrl, { tenantIds: [NZ.tenantId] })
    assert.equal(back.pathname, '/xero/callback')
    const response = await callback(client, owner, back, authorization)
    response.assertStatus(302)
    response.assertHeader('location', `/products/${product.id}/setup/mappings`)
    response.assertSessionMissing('xeroAuthorization')

    const stored = await Product.findOrFail(product.id)
    assert.equal(stored.xeroTenantId, NZ.tenantId)
    assert.equal(stored.xeroTenantName, NZ.name)
    assert.equal(stored.xeroHealth, 'ok')
    assert.isString(stored.xeroTokens?.refreshToken)
    assert.notInclude((await rawProductRow(product.id)).xero_tokens, stored.xeroTokens!.accessToken)
    assert.equal(stored.status, 'paused')
    const [line] = await logMessages(product.id, 'product.xero_connected')
    assert.include(line, `Xero organisation "${NZ.name}" connected by ${owner.email}`)
  })

  test('a callback with the wrong state is refused and exchanges nothing', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const { authorizeUrl, authorization } = await startXero(client, owner, product)
    const back = await answerConsent(authorizeUrl, { tenantIds: [NZ.tenantId] })
    back.searchParams.set('state', 'forged-state')
    const exchangesBefore = xero.state.tokenExchangeCount

    const response = await callback(client, owner, back, authorization)
    response.assertStatus(302)
    response.assertHeader('location', `/products/${product.id}/setup/xero`)
    assert.include(response.flashMessage('setupError'), 'did not match this sign-in')
    assert.equal(xero.state.tokenExchangeCount, exchangesBefore)
    const stored = await Product.findOrFail(product.id)
    assert.isNull(stored.xeroTokens)
    assert.isNull(stored.xeroTenantId)

    const page = await client
      .get(`/products/${product.id}/setup/xero`)
      .loginAs(owner)
      .withFlashMessages({ setupError: response.flashMessage('setupError') })
    page.assertTextIncludes('data-testid="setup-error"')
    page.assertTextIncludes('did not match this sign-in')
  })

  test('denied consent says access was not allowed and stores nothing', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const { authorizeUrl, authorization } = await startXero(client, owner, product)
    const back = await answerConsent(authorizeUrl, { decision: 'deny' })
    assert.equal(back.searchParams.get('error'), 'access_denied')

    const response = await callback(client, owner, back, authorization)
    response.assertStatus(302)
    assert.include(response.flashMessage('setupError'), 'Access to Xero was not allowed')
    const stored = await Product.findOrFail(product.id)
    assert.isNull(stored.xeroTokens)
    assert.isNull(stored.xeroTenantId)
  })

  test('a code Xero will not exchange (used twice) says so and stores nothing more', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const other = await bareProduct(owner, 'Second Books')
    const { authorizeUrl, authorization } = await startXero(client, owner, product)
    const back = await answerConsent(authorizeUrl, { tenantIds: [NZ.tenantId] })
    ;(await callback(client, owner, back, authorization)).assertStatus(302)

    const replay = await callback(client, owner, back, { ...authorization, productId: other.id })
    replay.assertStatus(302)
    replay.assertHeader('location', `/products/${other.id}/setup/xero`)
    assert.include(replay.flashMessage('setupError'), 'Xero refused the sign-in code')
    assert.isNull((await Product.findOrFail(other.id)).xeroTokens)
  })

  test('two organisations: the tokens wait in the session (refresh token only, encrypted) until one is chosen', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const { authorizeUrl, authorization } = await startXero(client, owner, product)
    const back = await answerConsent(authorizeUrl, { tenantIds: [NZ.tenantId, AU.tenantId] })

    const response = await callback(client, owner, back, authorization)
    response.assertStatus(302)
    response.assertHeader('location', `/products/${product.id}/setup/xero/organisation`)
    const pending = response.session('xeroPendingConnection')
    assert.equal(pending.productId, product.id)
    assert.sameMembers(
      pending.tenants.map((tenant: { tenantId: string }) => tenant.tenantId),
      [NZ.tenantId, AU.tenantId]
    )
    assert.notProperty(pending, 'accessToken')
    const issuedRefreshTokens = [...xero.state.refreshTokens.keys()]
    for (const token of issuedRefreshTokens) assert.notInclude(pending.sealedRefreshToken, token)
    assert.isBelow(JSON.stringify(pending).length, 1000)
    assert.isNull((await Product.findOrFail(product.id)).xeroTokens)

    const page = await client
      .get(`/products/${product.id}/setup/xero/organisation`)
      .loginAs(owner)
      .withSession({ xeroPendingConnection: pending })
    page.assertStatus(200)
    page.assertTextIncludes(NZ.name)
    page.assertTextIncludes(AU.name)

    const chosen = await client
      .put(`/products/${product.id}/setup/xero/organisation`)
      .withCsrfToken()
      .loginAs(owner)
      .withSession({ xeroPendingConnection: pending })
      .form({ tenantId: AU.tenantId })
      .redirects(0)
    chosen.assertStatus(302)
    chosen.assertHeader('location', `/products/${product.id}/setup/mappings`)
    chosen.assertSessionMissing('xeroPendingConnection')
    const stored = await Product.findOrFail(product.id)
    assert.equal(stored.xeroTenantId, AU.tenantId)
    assert.equal(stored.xeroTenantName, AU.name)
    assert.equal(stored.xeroHealth, 'ok')
    assert.isNotNull(stored.xeroTokens)
    assert.equal((await organisationOf(product)).name, AU.name)
  })

  test('an organisation that is gone by the time it is chosen gives a clear message and stores nothing', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const { authorizeUrl, authorization } = await startXero(client, owner, product)
    const back = await answerConsent(authorizeUrl, { tenantIds: [NZ.tenantId, AU.tenantId] })
    const pending = (await callback(client, owner, back, authorization)).session(
      'xeroPendingConnection'
    )
    for (const grant of xero.state.grants.values())
      grant.tenantIds = grant.tenantIds.filter((id) => id !== AU.tenantId)

    const chosen = await client
      .put(`/products/${product.id}/setup/xero/organisation`)
      .withCsrfToken()
      .loginAs(owner)
      .withSession({ xeroPendingConnection: pending })
      .form({ tenantId: AU.tenantId })
      .redirects(0)
    chosen.assertStatus(302)
    chosen.assertHeader('location', `/products/${product.id}/setup/xero`)
    assert.include(chosen.flashMessage('setupError'), 'no longer connected to this app')
    chosen.assertSessionMissing('xeroPendingConnection')
    const stored = await Product.findOrFail(product.id)
    assert.isNull(stored.xeroTokens)
    assert.isNull(stored.xeroTenantId)
  })

  test('a callback with no authorization in progress goes to the dashboard with a message', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const response = await client
      .get('/xero/callback?code=abc&state=def')
      .loginAs(owner)
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/')
    assert.include(response.flashMessage('alert'), 'No Xero connection was in progress')
  })

  test('the whole wizard: name, Autotask, Xero, mappings with preselection, saved and left Paused', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    await client
      .post('/products')
      .withCsrfToken()
      .loginAs(owner)
      .form({ name: 'Harbour Books' })
      .redirects(0)
    const product = await Product.query().where('account_id', owner.accountId).firstOrFail()
    ;(
      await client
        .put(`/products/${product.id}/setup/autotask`)
        .withCsrfToken()
        .loginAs(owner)
        .form(credentials)
        .redirects(0)
    ).assertStatus(302)
    const { authorizeUrl, authorization } = await startXero(client, owner, product)
    ;(
      await callback(
        client,
        owner,
        await answerConsent(authorizeUrl, { tenantIds: [NZ.tenantId] }),
        authorization
      )
    ).assertStatus(302)

    const page = await client.get(`/products/${product.id}/setup/mappings`).loginAs(owner)
    page.assertStatus(200)
    const html = page.text()
    const selectedIn = (name: string) => {
      const select =
        new RegExp(`name="${name.replace(/[[\]]/g, '\\$&')}"[^>]*>([\\s\\S]*?)</select>`).exec(
          html
        )?.[1] ?? ''
      return /<option value="([^"]*)" selected>/.exec(select)?.[1] ?? ''
    }
    assert.equal(selectedIn('taxRegions[id1]'), 'OUTPUT2', 'GST NZ 15% → GST on Income 15%')
    assert.equal(
      selectedIn('taxRegions[id2]'),
      'NONE',
      'Exempt 0% → Tax Exempt, by name among the 0% rates'
    )
    assert.equal(
      selectedIn(`taxRegions[id${UNMAPPED_TAX_REGION_ID}]`),
      '',
      'VAT UK 20% has no Xero rate in NZ'
    )
    assert.equal(
      selectedIn('billingCodes[id29682801]'),
      '200',
      'Remote Support (GL 200) → account 200'
    )
    assert.equal(selectedIn('defaultAccount'), '200')

    const save = await client
      .put(`/products/${product.id}/setup/mappings`)
      .withCsrfToken()
      .loginAs(owner)
      .form({
        'taxRegions[id1]': 'OUTPUT2',
        'taxRegions[id2]': 'NONE',
        'taxRegions[id3]': 'ZERORATED',
        'taxRegions[id4]': '',
        'billingCodes[id29682801]': '200',
        'billingCodes[id29682804]': '300',
        'defaultAccount': '260',
      })
      .redirects(0)
    save.assertStatus(302)
    save.assertHeader('location', '/')
    assert.include(save.flashMessage('notice'), 'is set up and Paused')
    assert.include(save.flashMessage('notice'), 'switch it to Active')

    const rows = await Mapping.query()
      .where('product_id', product.id)
      .orderBy('kind')
      .orderBy('autotask_value')
    const pairs = rows.map((row) => `${row.kind}:${row.autotaskValue}→${row.xeroValue}`)
    assert.sameMembers(pairs, [
      `billing_code:${DEFAULT_MAPPING_VALUE}→260`,
      'billing_code:29682801→200',
      'billing_code:29682804→300',
      'tax_region:1→OUTPUT2',
      'tax_region:2→NONE',
      'tax_region:3→ZERORATED',
    ])
    assert.equal(rows.find((row) => row.autotaskValue === '1')?.autotaskLabel, 'GST NZ (15%)')
    assert.include(rows.find((row) => row.autotaskValue === '1')?.xeroLabel, 'GST on Income')

    const resave = await client
      .put(`/products/${product.id}/setup/mappings`)
      .withCsrfToken()
      .loginAs(owner)
      .form({
        'taxRegions[id1]': 'ZERORATED',
        'billingCodes[id29682801]': '200',
        'defaultAccount': '260',
      })
      .redirects(0)
    resave.assertStatus(302)
    const after = await Mapping.query().where('product_id', product.id)
    assert.sameMembers(
      after.map((row) => `${row.kind}:${row.autotaskValue}→${row.xeroValue}`),
      [
        `billing_code:${DEFAULT_MAPPING_VALUE}→260`,
        'billing_code:29682801→200',
        'tax_region:1→ZERORATED',
      ]
    )

    const stored = await Product.findOrFail(product.id)
    assert.equal(stored.status, 'paused')
    assert.equal(stored.autotaskHealth, 'ok')
    assert.equal(stored.autotaskSecret, credentials.secret)
    assert.equal(stored.xeroTenantId, NZ.tenantId)
    assert.equal(stored.xeroHealth, 'ok')
    assert.lengthOf(await logMessages(product.id, 'mappings.saved'), 2)

    const dashboard = await client
      .get('/')
      .loginAs(owner)
      .withFlashMessages({ notice: save.flashMessage('notice') })
    dashboard.assertTextIncludes('is set up and Paused')
  })

  test('mappings without a default account re-render through htmx with 422 and save nothing', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    await client
      .put(`/products/${product.id}/setup/autotask`)
      .withCsrfToken()
      .loginAs(owner)
      .form(credentials)
    const { authorizeUrl, authorization } = await startXero(client, owner, product)
    await callback(
      client,
      owner,
      await answerConsent(authorizeUrl, { tenantIds: [NZ.tenantId] }),
      authorization
    )

    const response = await client
      .put(`/products/${product.id}/setup/mappings`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
      .form({ 'taxRegions[id1]': 'ZERORATED', 'defaultAccount': '' })
    response.assertStatus(422)
    response.assertTextIncludes('id="defaultAccount-error"')
    assert.match(
      response.text(),
      /name="taxRegions\[id1\]">[\s\S]*?<option value="ZERORATED" selected>/
    )
    const unknown = await client
      .put(`/products/${product.id}/setup/mappings`)
      .withCsrfToken()
      .header('HX-Request', 'true')
      .loginAs(owner)
      .form({ 'taxRegions[id1]': 'MADE_UP', 'defaultAccount': '200' })
    unknown.assertStatus(422)
    unknown.assertTextIncludes('&quot;MADE_UP&quot; is not available in Xero')
    assert.lengthOf(await Mapping.query().where('product_id', product.id), 0)
  })

  test('the mappings step of a product without connections says which step comes first', async ({
    client,
  }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const page = await client.get(`/products/${product.id}/setup/mappings`).loginAs(owner)
    page.assertStatus(200)
    page.assertTextIncludes('Connect Autotask first')
  })

  test('the Settings tab links to the Autotask, Xero and mappings steps', async ({ client }) => {
    const owner = await UserFactory.with('account').create()
    const product = await bareProduct(owner)
    const page = await client.get(`/products/${product.id}/settings`).loginAs(owner)
    page.assertTextIncludes(`href="/products/${product.id}/setup/autotask"`)
    page.assertTextIncludes(`href="/products/${product.id}/setup/xero"`)
    page.assertTextIncludes(`href="/products/${product.id}/setup/mappings"`)
  })

  test('viewers cannot run any step (403) and other accounts’ products are not found (404)', async ({
    client,
    assert,
  }) => {
    const viewer = await UserFactory.with('account').apply('viewer').create()
    const own = await bareProduct(viewer)
    const stranger = await UserFactory.with('account').create()
    const foreign = await bareProduct(stranger, 'Not Yours')
    const steps = (id: number, user: User) => [
      client.get(`/products/${id}/setup/autotask`).loginAs(user),
      client.put(`/products/${id}/setup/autotask`).withCsrfToken().loginAs(user).form(credentials),
      client.get(`/products/${id}/setup/xero`).loginAs(user),
      client.post(`/products/${id}/setup/xero`).withCsrfToken().loginAs(user).redirects(0),
      client.get(`/products/${id}/setup/xero/organisation`).loginAs(user),
      client.get(`/products/${id}/setup/mappings`).loginAs(user),
      client
        .put(`/products/${id}/setup/mappings`)
        .withCsrfToken()
        .loginAs(user)
        .form({ defaultAccount: '200' }),
    ]
    for (const response of await Promise.all(steps(own.id, viewer))) response.assertStatus(403)
    const owner = await UserFactory.merge({ accountId: viewer.accountId }).create()
    for (const response of await Promise.all(steps(foreign.id, owner))) response.assertStatus(404)
    const viewerCreates = await client
      .post('/products')
      .withCsrfToken()
      .loginAs(viewer)
      .form({ name: 'Nope' })
    viewerCreates.assertStatus(403)
    assert.isNull((await rawProductRow(own.id)).autotask_secret)
    assert.lengthOf(await Product.query().where('account_id', viewer.accountId), 1)
  })

  /** The organisation the gateway reaches for the product as stored now. */
  async function organisationOf(product: Product) {
    const gateway = await app.container.make(XeroGateway)
    return gateway.getOrganisation(xeroConnectionOf(await Product.findOrFail(product.id)))
  }
})
