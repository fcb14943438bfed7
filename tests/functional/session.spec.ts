import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory, FACTORY_PASSWORD } from '#database/factories/user_factory'
import hash from '@adonisjs/core/services/hash'
import { Scrypt } from '@adonisjs/core/hash/drivers/scrypt'
import User from '#models/user'

test.group('Sign in', (group) => {
  group.each.setup(resetDatabase)

  test('the sign-in page is the only page open to visitors', async ({ client }) => {
    const login = await client.get('/login')
    login.assertStatus(200)
    login.assertTextIncludes('Sign in')

    const dashboard = await client.get('/').redirects(0)
    dashboard.assertStatus(302)
    dashboard.assertHeader('location', '/login')
  })

  test('the right password signs in and lands on the dashboard', async ({ client, assert }) => {
    const user = await UserFactory.with('account').create()
    const response = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: user.email.toUpperCase(), password: FACTORY_PASSWORD })
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/')
    assert.equal(response.session().auth_web, user.id)
  })

  test('through htmx a successful sign-in answers with HX-Redirect', async ({ client }) => {
    const user = await UserFactory.with('account').create()
    const response = await client
      .post('/login')
      .withCsrfToken()
      .header('HX-Request', 'true')
      .form({ email: user.email, password: FACTORY_PASSWORD })
    response.assertStatus(204)
    response.assertHeader('hx-redirect', '/')
  })

  test('a wrong password re-renders the form with 422 and signs nobody in', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const response = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: user.email, password: 'not-the-password' })
    response.assertStatus(422)
    response.assertTextIncludes('Wrong e-mail or password.')
    response.assertTextIncludes(`value="${user.email}"`)
    assert.isUndefined(response.session().auth_web)
  })

  test('an invalid e-mail through htmx re-renders with field errors and 422', async ({
    client,
  }) => {
    const response = await client
      .post('/login')
      .withCsrfToken()
      .header('HX-Request', 'true')
      .form({ email: 'not-an-email', password: 'x' })
    response.assertStatus(422)
    response.assertTextIncludes('id="email-error"')
    response.assertTextIncludes('value="not-an-email"')
  })

  test('an invalid e-mail without htmx redirects back with the errors flashed', async ({
    client,
  }) => {
    const response = await client
      .post('/login')
      .withCsrfToken()
      .header('referer', '/login')
      .form({ email: '', password: '' })
      .redirects(0)
    response.assertStatus(302)
    response.assertFlashMessage('inputErrorsBag', {
      email: ['The email field must be defined'],
      password: ['The password field must be defined'],
    })
  })

  test('after five failed tries the sign-in is throttled, even with the right password', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    for (let attempt = 1; attempt <= 5; attempt++) {
      const failed = await client
        .post('/login')
        .withCsrfToken()
        .form({ email: user.email, password: 'wrong' })
      failed.assertStatus(422)
    }
    const throttled = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: user.email, password: FACTORY_PASSWORD })
    throttled.assertStatus(429)
    throttled.assertTextIncludes('Too many failed sign-ins')
    assert.isAbove(Number(throttled.header('retry-after')), 0)
    assert.isUndefined(throttled.session().auth_web)
  })

  test('a sign-in without a CSRF token is refused', async ({ client, assert }) => {
    const user = await UserFactory.with('account').create()
    const response = await client
      .post('/login')
      .form({ email: user.email, password: FACTORY_PASSWORD })
    response.assertStatus(403)
    assert.isUndefined(response.session().auth_web)
  })

  test('signing out ends the session', async ({ client }) => {
    const user = await UserFactory.with('account').create()
    const response = await client.post('/logout').withCsrfToken().loginAs(user).redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/login')
    const after = await client.get('/').redirects(0)
    after.assertStatus(302)
  })

  test('a session older than the absolute time-out is ended, however active', async ({
    client,
  }) => {
    const user = await UserFactory.with('account').create()
    const fresh = await client
      .get('/')
      .withSession({ signedInAt: Date.now() - 11 * 3600_000 })
      .loginAs(user)
      .redirects(0)
    fresh.assertStatus(200)
    const old = await client
      .get('/')
      .withSession({ signedInAt: Date.now() - 13 * 3600_000 })
      .loginAs(user)
      .redirects(0)
    old.assertStatus(302)
    old.assertHeader('location', '/login')
  })

  test('a password hashed with older parameters is rehashed at sign-in', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const older = new Scrypt({ cost: 1024, blockSize: 8, parallelization: 1, maxMemory: 2 ** 24 })
    await User.query()
      .where('id', user.id)
      .update({ password: await older.make(FACTORY_PASSWORD) })
    assert.isTrue(hash.use('scrypt').needsReHash((await User.findOrFail(user.id)).password))

    const response = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: user.email, password: FACTORY_PASSWORD })
      .redirects(0)
    response.assertStatus(302)
    const rehashed = (await User.findOrFail(user.id)).password
    assert.isFalse(hash.use('scrypt').needsReHash(rehashed))
    assert.isTrue(await hash.verify(rehashed, FACTORY_PASSWORD))
  })
})
