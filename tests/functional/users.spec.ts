import { test } from '@japa/runner'
import hash from '@adonisjs/core/services/hash'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import User from '#models/user'

test.group('Users page', (group) => {
  group.each.setup(resetDatabase)

  test('lists only the users of the current account', async ({ client, assert }) => {
    const owner = await UserFactory.with('account').create()
    const colleague = await UserFactory.merge({ accountId: owner.accountId })
      .apply('viewer')
      .create()
    const stranger = await UserFactory.with('account').create()
    const response = await client.get('/users').loginAs(owner)
    response.assertStatus(200)
    assert.include(response.text(), colleague.email)
    assert.notInclude(response.text(), stranger.email)
  })

  test('an admin adds a viewer who can then sign in', async ({ client, assert }) => {
    const admin = await UserFactory.with('account').apply('admin').create()
    const response = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(admin)
      .form({ email: 'New.Person@Example.com', password: 'first-password', role: 'viewer' })
      .redirects(0)
    response.assertStatus(302)
    const user = await User.findByOrFail('email', 'new.person@example.com')
    assert.equal(user.accountId, admin.accountId)
    assert.equal(user.role, 'viewer')
    assert.isTrue(await hash.verify(user.password, 'first-password'))
  })

  test('an admin cannot create an owner, and a duplicate e-mail is refused', async ({
    client,
    assert,
  }) => {
    const admin = await UserFactory.with('account').apply('admin').create()
    const owner = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(admin)
      .form({ email: 'boss@example.com', password: 'first-password', role: 'owner' })
    owner.assertStatus(422)
    owner.assertTextIncludes('Only an owner can add another owner.')
    const duplicate = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(admin)
      .form({ email: admin.email, password: 'first-password', role: 'viewer' })
    duplicate.assertStatus(422)
    assert.lengthOf(await User.query().where('account_id', admin.accountId), 1)
  })

  test('viewers cannot add users or change roles', async ({ client, assert }) => {
    const viewer = await UserFactory.with('account').apply('viewer').create()
    const other = await UserFactory.merge({ accountId: viewer.accountId }).apply('viewer').create()
    const add = await client
      .post('/users')
      .withCsrfToken()
      .loginAs(viewer)
      .form({ email: 'x@example.com', password: 'first-password', role: 'viewer' })
    add.assertStatus(403)
    const change = await client
      .put(`/users/${other.id}`)
      .withCsrfToken()
      .loginAs(viewer)
      .form({ role: 'admin' })
    change.assertStatus(403)
    assert.equal((await User.findOrFail(other.id)).role, 'viewer')
  })

  test('roles change, but never the last owner and never across accounts', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const viewer = await UserFactory.merge({ accountId: owner.accountId }).apply('viewer').create()
    const promoted = await client
      .put(`/users/${viewer.id}`)
      .withCsrfToken()
      .loginAs(owner)
      .form({ role: 'admin' })
      .redirects(0)
    promoted.assertStatus(302)
    assert.equal((await User.findOrFail(viewer.id)).role, 'admin')

    const self = await client
      .put(`/users/${owner.id}`)
      .withCsrfToken()
      .loginAs(owner)
      .form({ role: 'viewer' })
    self.assertStatus(422)
    assert.equal((await User.findOrFail(owner.id)).role, 'owner')

    const staff = await UserFactory.merge({ accountId: owner.accountId, role: 'admin' })
      .apply('staff')
      .create()
    const lastOwner = await client
      .put(`/users/${owner.id}`)
      .withCsrfToken()
      .loginAs(staff)
      .form({ role: 'viewer' })
    lastOwner.assertStatus(422)
    lastOwner.assertTextIncludes('An account needs at least one owner.')
    assert.equal((await User.findOrFail(owner.id)).role, 'owner')

    const stranger = await UserFactory.with('account').create()
    const foreign = await client
      .put(`/users/${stranger.id}`)
      .withCsrfToken()
      .loginAs(owner)
      .form({ role: 'viewer' })
    foreign.assertStatus(404)
    assert.equal((await User.findOrFail(stranger.id)).role, 'owner')
  })

  test('adding an e-mail that belongs to another account answers exactly as a new one, and creates nothing', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const elsewhere = await UserFactory.with('account').create()
    const add = (email: string) =>
      client
        .post('/users')
        .withCsrfToken()
        .loginAs(owner)
        .form({ email, password: 'a long first password', role: 'viewer' })
        .redirects(0)
    const taken = await add(elsewhere.email)
    const free = await add('free.address@example.com')
    assert.equal(taken.status(), free.status())
    assert.equal(taken.header('location'), free.header('location'))
    const notice = (response: typeof taken, email: string) =>
      String(response.flashMessage('notice')).replace(email, '<e-mail>')
    assert.equal(notice(taken, elsewhere.email), notice(free, 'free.address@example.com'))
    assert.equal((await User.findOrFail(elsewhere.id)).accountId, elsewhere.accountId)
    assert.lengthOf(await User.query().where('account_id', owner.accountId), 2)
  })

  test('a short or common first password is refused with the reason', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    for (const [password, reason] of [
      ['password', 'at least 12 characters'],
      ['qwerty123456', 'one of the most common ones'],
    ]) {
      const response = await client
        .post('/users')
        .withCsrfToken()
        .loginAs(owner)
        .header('HX-Request', 'true')
        .form({ email: 'new@example.com', password, role: 'viewer' })
      response.assertStatus(422)
      response.assertTextIncludes(reason)
    }
    assert.isNull(await User.findBy('email', 'new@example.com'))
  })

  test('an owner removes a user, but never themselves nor the last owner; an admin cannot remove an owner', async ({
    client,
    assert,
  }) => {
    const owner = await UserFactory.with('account').create()
    const admin = await UserFactory.merge({ accountId: owner.accountId }).apply('admin').create()
    const viewer = await UserFactory.merge({ accountId: owner.accountId }).apply('viewer').create()

    const self = await client.delete(`/users/${owner.id}`).withCsrfToken().loginAs(owner)
    self.assertStatus(422)
    self.assertTextIncludes('You cannot remove yourself.')

    const adminOnOwner = await client.delete(`/users/${owner.id}`).withCsrfToken().loginAs(admin)
    adminOnOwner.assertStatus(422)
    adminOnOwner.assertTextIncludes('Only an owner can remove an owner.')

    const byViewer = await client.delete(`/users/${admin.id}`).withCsrfToken().loginAs(viewer)
    byViewer.assertStatus(403)

    const removed = await client
      .delete(`/users/${viewer.id}`)
      .withCsrfToken()
      .loginAs(owner)
      .redirects(0)
    removed.assertStatus(302)
    assert.isNull(await User.find(viewer.id))
    assert.isNotNull(await User.find(owner.id))
    assert.isNotNull(await User.find(admin.id))

    const stranger = await UserFactory.with('account').create()
    const across = await client.delete(`/users/${admin.id}`).withCsrfToken().loginAs(stranger)
    across.assertStatus(404)
    assert.isNotNull(await User.find(admin.id))
  })
})
