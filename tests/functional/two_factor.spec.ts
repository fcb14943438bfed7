import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import { resetDatabase } from '#tests/helpers/database'
import { enrolTwoFactor, totpCode } from '#tests/helpers/two_factor'
import { UserFactory, FACTORY_PASSWORD } from '#database/factories/user_factory'
import User from '#models/user'
import Account from '#models/account'

/** The session after the password step, as POST /login leaves it for a user with a second factor. */
function passwordStepDone(user: User) {
  return { twoFactorPendingUserId: user.id, twoFactorPendingAt: Date.now() }
}

test.group('Two-factor sign-in: the second step', (group) => {
  group.each.setup(resetDatabase)

  test('the password alone does not sign in a user with a second factor', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    await enrolTwoFactor(user)
    const response = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: user.email, password: FACTORY_PASSWORD })
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/login/two-factor')
    assert.isUndefined(response.session().auth_web)
    assert.equal(response.session().twoFactorPendingUserId, user.id)

    const dashboard = await client.get('/').withSession(passwordStepDone(user)).redirects(0)
    dashboard.assertHeader('location', '/login')
  })

  test('the current code signs in; the same code again is refused as used', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const { secret } = await enrolTwoFactor(user)
    const signedIn: unknown[] = []
    const stop = emitter.on('auth:signed_in', (event) => void signedIn.push(event))
    try {
      const code = totpCode(secret)
      const first = await client
        .post('/login/two-factor')
        .withCsrfToken()
        .withSession(passwordStepDone(user))
        .form({ code })
        .redirects(0)
      first.assertStatus(302)
      first.assertHeader('location', '/')
      assert.equal(first.session().auth_web, user.id)
      assert.isUndefined(first.session().twoFactorPendingUserId)
      assert.deepInclude(signedIn, { userId: user.id, withSecondFactor: 'totp', ip: '127.0.0.1' })

      const replayed = await client
        .post('/login/two-factor')
        .withCsrfToken()
        .withSession(passwordStepDone(user))
        .form({ code })
      replayed.assertStatus(422)
      replayed.assertTextIncludes('That code was used already')
      assert.isUndefined(replayed.session().auth_web)
    } finally {
      stop()
    }
  })

  test('wrong codes are refused, and the sixth try is throttled even with the right code', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const { secret } = await enrolTwoFactor(user)
    const failures: { reason: string }[] = []
    const stop = emitter.on('auth:sign_in_failed', (event) => void failures.push(event))
    try {
      const wrong = totpCode(secret, 600)
      for (let attempt = 1; attempt <= 5; attempt++) {
        const refused = await client
          .post('/login/two-factor')
          .withCsrfToken()
          .withSession(passwordStepDone(user))
          .form({ code: wrong })
        refused.assertStatus(422)
        refused.assertTextIncludes('That code is not right')
      }
      const throttled = await client
        .post('/login/two-factor')
        .withCsrfToken()
        .withSession(passwordStepDone(user))
        .form({ code: totpCode(secret) })
      throttled.assertStatus(429)
      throttled.assertTextIncludes('Too many failed sign-ins')
      assert.isAbove(Number(throttled.header('retry-after')), 0)
      assert.isUndefined(throttled.session().auth_web)
      assert.deepEqual(
        failures.map((failure) => failure.reason),
        ['invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'throttled']
      )
    } finally {
      stop()
    }
  })

  test('a recovery code signs in once, then never again', async ({ client, assert }) => {
    const user = await UserFactory.with('account').create()
    const { recoveryCodes } = await enrolTwoFactor(user)
    assert.lengthOf(recoveryCodes, 10)
    assert.lengthOf(new Set(recoveryCodes), 10)

    const first = await client
      .post('/login/two-factor')
      .withCsrfToken()
      .withSession(passwordStepDone(user))
      .form({ code: recoveryCodes[3].toUpperCase() })
      .redirects(0)
    first.assertStatus(302)
    assert.equal(first.session().auth_web, user.id)
    assert.lengthOf((await User.findOrFail(user.id)).twoFactorRecoveryCodes!, 9)

    const again = await client
      .post('/login/two-factor')
      .withCsrfToken()
      .withSession(passwordStepDone(user))
      .form({ code: recoveryCodes[3] })
    again.assertStatus(422)
    assert.isUndefined(again.session().auth_web)
  })

  test('new recovery codes replace the old ones (password first), shown once and audited', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const { recoveryCodes: old } = await enrolTwoFactor(user)

    const wrong = await client
      .post('/account/two-factor/recovery-codes')
      .withCsrfToken()
      .loginAs(user)
      .form({ currentPassword: 'not-the-password' })
      .redirects(0)
    wrong.assertStatus(302)
    wrong.assertFlashMessage(
      'alert',
      'The password is not right; your recovery codes are unchanged.'
    )
    const unchanged = (await User.findOrFail(user.id)).twoFactorRecoveryCodes!
    assert.lengthOf(unchanged, 10)

    const renewed = await client
      .post('/account/two-factor/recovery-codes')
      .withCsrfToken()
      .loginAs(user)
      .form({ currentPassword: FACTORY_PASSWORD })
    renewed.assertStatus(200)
    renewed.assertHeader('cache-control', 'no-store')
    renewed.assertTextIncludes('Your old recovery codes no longer work.')
    const fresh = [...renewed.text().matchAll(/data-testid="recovery-code">([a-z0-9-]+)</g)].map(
      (match) => match[1]
    )
    assert.lengthOf(fresh, 10)
    assert.lengthOf(new Set([...fresh, ...old]), 20)

    const withOld = await client
      .post('/login/two-factor')
      .withCsrfToken()
      .withSession(passwordStepDone(user))
      .form({ code: old[0] })
    withOld.assertStatus(422)
    const withNew = await client
      .post('/login/two-factor')
      .withCsrfToken()
      .withSession(passwordStepDone(user))
      .form({ code: fresh[0] })
      .redirects(0)
    withNew.assertStatus(302)
    assert.equal(withNew.session().auth_web, user.id)

    const audited = await db
      .from('audit_events')
      .where('action', 'user.recovery_codes_renewed')
      .where('actor_user_id', user.id)
    assert.lengthOf(audited, 1)
  })

  test('the second step without the first sends back to the sign-in page', async ({ client }) => {
    const user = await UserFactory.with('account').create()
    const { secret } = await enrolTwoFactor(user)
    const page = await client.get('/login/two-factor').redirects(0)
    page.assertHeader('location', '/login')
    const post = await client
      .post('/login/two-factor')
      .withCsrfToken()
      .form({ code: totpCode(secret) })
      .redirects(0)
    post.assertStatus(302)
    post.assertHeader('location', '/login')
    const stale = await client
      .post('/login/two-factor')
      .withCsrfToken()
      .withSession({ twoFactorPendingUserId: user.id, twoFactorPendingAt: Date.now() - 600_000 })
      .form({ code: totpCode(secret) })
      .redirects(0)
    stale.assertHeader('location', '/login')
  })
})

test.group('Two-factor sign-in: enrolment', (group) => {
  group.each.setup(resetDatabase)

  test('setting up shows a QR code and key; the first code turns it on and shows ten recovery codes once', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const before = await client.get('/account/two-factor').loginAs(user)
    before.assertStatus(200)
    before.assertTextIncludes('Two-factor sign-in is <strong>off</strong>')
    assert.isNull((await User.findOrFail(user.id)).twoFactorSecret, 'GET changes nothing')

    const setup = await client
      .post('/account/two-factor/setup')
      .withCsrfToken()
      .loginAs(user)
      .redirects(0)
    setup.assertHeader('location', '/account/two-factor')
    const pending = await User.findOrFail(user.id)
    const secret = pending.twoFactorSecret!
    assert.match(secret, /^[A-Z2-7]{32}$/)
    assert.isFalse(pending.hasTwoFactor)
    const raw = await db.from('users').where('id', user.id).first()
    assert.notInclude(raw.two_factor_secret, secret, 'sealed in the row')

    const page = await client.get('/account/two-factor').loginAs(user)
    assert.include(page.text(), '<svg')
    assert.include(page.text(), `data-testid="two-factor-secret">${secret}</code>`)

    const wrong = await client
      .post('/account/two-factor')
      .withCsrfToken()
      .loginAs(user)
      .form({ code: totpCode(secret, 900) })
    wrong.assertStatus(422)
    wrong.assertTextIncludes('That code does not match')
    assert.isFalse((await User.findOrFail(user.id)).hasTwoFactor)

    const confirmed = await client
      .post('/account/two-factor')
      .withCsrfToken()
      .loginAs(user)
      .form({ code: totpCode(secret) })
    confirmed.assertStatus(200)
    const codes = [...confirmed.text().matchAll(/data-testid="recovery-code">([a-z0-9-]+)</g)].map(
      (match) => match[1]
    )
    assert.lengthOf(codes, 10)
    const enrolled = await User.findOrFail(user.id)
    assert.isTrue(enrolled.hasTwoFactor)
    const stored = (await db.from('users').where('id', user.id).first()).two_factor_recovery_codes
    for (const code of codes) assert.notInclude(stored, code)
    assert.notInclude(JSON.stringify(enrolled.twoFactorRecoveryCodes), codes[0])
  })

  test('an owner requires it for everyone: users without one are signed out and must set it up first', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const viewer = await UserFactory.merge({ accountId: owner.accountId, role: 'viewer' }).create()

    const refused = await client
      .put('/users/two-factor-policy')
      .withCsrfToken()
      .loginAs(owner)
      .form({ requiresTwoFactor: 'true' })
    refused.assertStatus(422)
    refused.assertTextIncludes('Set up your own second factor first')
    assert.isFalse((await Account.findOrFail(owner.accountId)).requiresTwoFactor)

    await enrolTwoFactor(owner)
    const required = await client
      .put('/users/two-factor-policy')
      .withCsrfToken()
      .loginAs(owner)
      .form({ requiresTwoFactor: 'true' })
      .redirects(0)
    required.assertStatus(302)
    assert.isTrue((await Account.findOrFail(owner.accountId)).requiresTwoFactor)

    // The viewer signs in with the password, and every page sends them to set up a second factor.
    const signIn = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: viewer.email, password: FACTORY_PASSWORD })
      .redirects(0)
    assert.equal(signIn.session().auth_web, viewer.id)
    assert.isTrue(signIn.session().mustEnrolTwoFactor)
    const dashboard = await client
      .get('/')
      .withSession({ mustEnrolTwoFactor: true })
      .loginAs(viewer)
      .redirects(0)
    dashboard.assertStatus(302)
    dashboard.assertHeader('location', '/account/two-factor')
    const enrolPage = await client
      .get('/account/two-factor')
      .withSession({ mustEnrolTwoFactor: true })
      .loginAs(viewer)
    enrolPage.assertStatus(200)
    enrolPage.assertTextIncludes('requires a second factor for everyone')

    // A viewer cannot change the requirement.
    const viewerTry = await client
      .put('/users/two-factor-policy')
      .withCsrfToken()
      .loginAs(viewer)
      .form({ requiresTwoFactor: 'false' })
    viewerTry.assertStatus(403)
  })

  test("an owner resets a user's second factor; an admin cannot", async ({ client, assert }) => {
    const owner = await UserFactory.with('account').create()
    const admin = await UserFactory.merge({ accountId: owner.accountId, role: 'admin' }).create()
    const colleague = await UserFactory.merge({
      accountId: owner.accountId,
      role: 'viewer',
    }).create()
    await enrolTwoFactor(colleague)

    const byAdmin = await client
      .delete(`/users/${colleague.id}/two-factor`)
      .withCsrfToken()
      .loginAs(admin)
    byAdmin.assertStatus(422)
    byAdmin.assertTextIncludes('Only an owner can reset a second factor.')
    assert.isTrue((await User.findOrFail(colleague.id)).hasTwoFactor)

    const byOwner = await client
      .delete(`/users/${colleague.id}/two-factor`)
      .withCsrfToken()
      .loginAs(owner)
      .redirects(0)
    byOwner.assertStatus(302)
    const reset = await User.findOrFail(colleague.id)
    assert.isFalse(reset.hasTwoFactor)
    assert.isNull(reset.twoFactorSecret)
    assert.isNull(reset.twoFactorRecoveryCodes)

    // Another account's owner cannot reach this user at all.
    const stranger = await UserFactory.with('account').create()
    const across = await client
      .delete(`/users/${colleague.id}/two-factor`)
      .withCsrfToken()
      .loginAs(stranger)
    across.assertStatus(404)
  })
})

test.group('Two-factor sign-in: turning it off', (group) => {
  group.each.setup(resetDatabase)

  test('a user turns their own second factor off with their password, unless the account requires it', async ({
    client,
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    await enrolTwoFactor(user)
    const wrong = await client
      .delete('/account/two-factor')
      .withCsrfToken()
      .loginAs(user)
      .form({ currentPassword: 'not the password' })
      .redirects(0)
    wrong.assertStatus(302)
    assert.isTrue((await User.findOrFail(user.id)).hasTwoFactor)

    await Account.query().where('id', user.accountId).update({ requires_two_factor: true })
    const required = await client
      .delete('/account/two-factor')
      .withCsrfToken()
      .loginAs(user)
      .form({ currentPassword: FACTORY_PASSWORD })
      .redirects(0)
    required.assertFlashMessage(
      'alert',
      'Your account requires two-factor sign-in; an owner can reset it.'
    )
    assert.isTrue((await User.findOrFail(user.id)).hasTwoFactor)

    await Account.query().where('id', user.accountId).update({ requires_two_factor: false })
    const off = await client
      .delete('/account/two-factor')
      .withCsrfToken()
      .loginAs(user)
      .form({ currentPassword: FACTORY_PASSWORD })
      .redirects(0)
    off.assertFlashMessage('notice', 'Two-factor sign-in is off.')
    const after = await User.findOrFail(user.id)
    assert.isFalse(after.hasTwoFactor)
    assert.isNull(after.twoFactorSecret)
  })
})
