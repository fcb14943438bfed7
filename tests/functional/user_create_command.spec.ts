import { test } from '@japa/runner'
import ace from '@adonisjs/core/services/ace'
import hash from '@adonisjs/core/services/hash'
import { resetDatabase } from '#tests/helpers/database'
import User from '#models/user'
import Account from '#models/account'
import UserCreate from '#commands/user_create'

test.group('node ace user:create', (group) => {
  group.each.setup(resetDatabase)
  group.each.setup(() => ace.ui.switchMode('raw'))
  group.each.teardown(() => ace.ui.switchMode('normal'))

  test('creates the account and a staff owner from flags', async ({ assert }) => {
    const command = await ace.create(UserCreate, [
      '--email=Ops@Example.com',
      '--password=correct-horse',
      '--account=Contoso MSP',
      '--role=owner',
      '--plan=enterprise',
      '--staff',
    ])
    await command.exec()
    command.assertSucceeded()

    const user = await User.findByOrFail('email', 'ops@example.com')
    const account = await Account.findByOrFail('name', 'Contoso MSP')
    assert.equal(user.accountId, account.id)
    assert.equal(account.plan, 'enterprise')
    assert.equal(user.role, 'owner')
    assert.isTrue(user.isStaff)
    assert.isTrue(await hash.verify(user.password, 'correct-horse'))
    command.assertLog(
      '[ green(success) ] User ops@example.com created in "Contoso MSP" as owner (staff)'
    )
  })

  test('joins an existing account by name', async ({ assert }) => {
    await ace.exec('user:create', [
      '--email=a@example.com',
      '--password=first-long-secret',
      '--account=Acme',
      '--role=owner',
    ])
    const second = await ace.create(UserCreate, [
      '--email=b@example.com',
      '--password=second-long-secret',
      '--account=Acme',
      '--role=viewer',
    ])
    await second.exec()
    second.assertSucceeded()
    assert.lengthOf(await Account.all(), 1)
    assert.equal((await User.findByOrFail('email', 'b@example.com')).role, 'viewer')
  })

  test('bad input is refused with the reason and nothing is created', async ({ assert }) => {
    const command = await ace.create(UserCreate, [
      '--email=not-an-email',
      '--password=short',
      '--account=Acme',
      '--role=king',
    ])
    await command.exec()
    command.assertFailed()
    assert.lengthOf(await User.all(), 0)
    assert.lengthOf(await Account.all(), 0)
    const errors = command.logger.getLogs().map((log) => log.message)
    assert.isTrue(errors.some((line) => line.includes('email')))
    assert.isTrue(errors.some((line) => line.includes('role')))
    assert.isTrue(errors.some((line) => line.includes('password')))
  })

  test('a password under 12 characters or on the common-passwords list is refused', async ({
    assert,
  }) => {
    for (const password of ['eleven-char', 'password1234', 'Qwerty123456']) {
      const command = await ace.create(UserCreate, [
        '--email=a@example.com',
        `--password=${password}`,
        '--account=Acme',
        '--role=owner',
      ])
      await command.exec()
      command.assertFailed()
      const errors = command.logger.getLogs().map((log) => log.message)
      assert.isTrue(
        errors.some((line) => line.includes('password')),
        `${password} refused with a password error`
      )
    }
    assert.lengthOf(await User.all(), 0)
  })

  test('a second user with the same e-mail is refused', async ({ assert }) => {
    await ace.exec('user:create', [
      '--email=a@example.com',
      '--password=first-long-secret',
      '--account=Acme',
      '--role=owner',
    ])
    const command = await ace.create(UserCreate, [
      '--email=a@example.com',
      '--password=first-long-secret',
      '--account=Other',
      '--role=owner',
    ])
    await command.exec()
    command.assertFailed()
    assert.lengthOf(await Account.all(), 1)
  })
})
