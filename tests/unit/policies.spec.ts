import { test } from '@japa/runner'
import User from '#models/user'
import Product from '#models/product'
import Account from '#models/account'
import { bouncerFor } from '#policies/bouncer_for'
import ProductPolicy from '#policies/product_policy'
import UserPolicy from '#policies/user_policy'
import type { UserRole } from '#enums/user_role'

function user(id: number, role: UserRole, isStaff = false) {
  return new User().merge({ id, accountId: 1, role, isStaff, email: `u${id}@example.com` })
}

const product = new Product().merge({ id: 5, accountId: 1, name: 'Books' })

test.group('Policies, asked outside a request', () => {
  test('only staff diagnose a record or release it, with "Staff only" as the reason', async ({
    assert,
  }) => {
    for (const action of ['diagnose', 'release'] as const) {
      const refused = await bouncerFor(user(1, 'owner'))
        .with(ProductPolicy)
        .execute(action, product)
      assert.isFalse(refused.authorized, action)
      assert.equal(refused.message, 'Staff only')
      assert.equal(refused.status, 403)
      assert.isTrue(
        await bouncerFor(user(2, 'viewer', true))
          .with(ProductPolicy)
          .allows(action, product),
        action
      )
    }
  })

  test('viewers may act on no product of their account; owners, admins and staff may', async ({
    assert,
  }) => {
    const account = new Account().merge({ id: 1, name: 'Acme' })
    const allowed = async (who: User) =>
      bouncerFor(who).with(ProductPolicy).allows('actInAccount', account)
    assert.isFalse(await allowed(user(1, 'viewer')))
    assert.isTrue(await allowed(user(2, 'admin')))
    assert.isTrue(await allowed(user(3, 'owner')))
    assert.isTrue(await allowed(user(4, 'viewer', true)))
  })

  test('only owners and staff make or unmake owners, and nobody changes their own role', async ({
    assert,
  }) => {
    const admin = user(1, 'admin')
    const owner = user(2, 'owner')
    const viewer = user(3, 'viewer')
    const asAdmin = bouncerFor(admin).with(UserPolicy)

    assert.equal(
      (await asAdmin.execute('add', 'owner')).message,
      'Only an owner can add another owner.'
    )
    assert.isTrue(await asAdmin.allows('add', 'admin'))
    assert.isTrue(await bouncerFor(owner).with(UserPolicy).allows('add', 'owner'))

    assert.equal(
      (await asAdmin.execute('changeRole', admin, 'viewer')).message,
      'You cannot change your own role.'
    )
    assert.equal(
      (await asAdmin.execute('changeRole', owner, 'admin')).message,
      'Only an owner can grant or take away the owner role.'
    )
    assert.equal(
      (await asAdmin.execute('changeRole', viewer, 'owner')).message,
      'Only an owner can grant or take away the owner role.'
    )
    assert.isTrue(await asAdmin.allows('changeRole', viewer, 'admin'))
    assert.isTrue(await bouncerFor(owner).with(UserPolicy).allows('changeRole', viewer, 'owner'))
    assert.isFalse(await bouncerFor(viewer).with(UserPolicy).allows('changeRole', admin, 'viewer'))
  })
})
