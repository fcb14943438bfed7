import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { resetDatabase } from '#tests/helpers/database'
import { CookieBrowser, startWebProcess } from '#tests/helpers/web_process'
import { UserFactory, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { toSqlDateTime } from '#models/columns'
import User from '#models/user'

type WebProcess = Awaited<ReturnType<typeof startWebProcess>>

/** Ports of this group's two web processes: PORT + 55 and + 56, clear of the test server's own. */
const basePort = Number(process.env.PORT ?? 3334)

/**
 * Sessions live in the database (config/session.ts), so they end at once in every web
 * process: two real processes on the test database, a browser's cookie carried between them.
 */
test.group('Sessions shared by every web process', (group) => {
  let first: WebProcess
  let second: WebProcess
  group.setup(async () => {
    ;[first, second] = await Promise.all([
      startWebProcess(basePort + 55),
      startWebProcess(basePort + 56),
    ])
    return async () => {
      await Promise.all([first.stop(), second.stop()])
    }
  })
  group.each.setup(resetDatabase)

  test('a cookie copied before signing out no longer signs in, on any process', async ({
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const browser = new CookieBrowser(first.base)
    await browser.signIn(user.email, FACTORY_PASSWORD)
    const copied = browser.copy(second.base)
    assert.isTrue(await copied.signedIn(), 'the other process knows the session')
    assert.equal(await sessionRows(user.id), 1)

    const out = await browser.post('/logout', {}, '/')
    assert.equal(out.status, 302)
    assert.equal(out.headers.get('location'), '/login')

    assert.isFalse(await copied.signedIn(), 'the copied cookie on the other process')
    assert.isFalse(await copied.at(first.base).signedIn(), 'the copied cookie on the same process')
    assert.equal(await sessionRows(user.id), 0)
  })

  test('changing the password signs out the other sessions, and keeps this one', async ({
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const laptop = new CookieBrowser(first.base)
    await laptop.signIn(user.email, FACTORY_PASSWORD)
    const phone = new CookieBrowser(second.base)
    await phone.signIn(user.email, FACTORY_PASSWORD)
    assert.isTrue(await phone.signedIn())

    const changed = await laptop.post(
      '/account/password?_method=PUT',
      {
        currentPassword: FACTORY_PASSWORD,
        password: 'a brand new passphrase',
        passwordConfirmation: 'a brand new passphrase',
      },
      '/account/password'
    )
    assert.equal(changed.status, 302)
    const page = await (await laptop.get(changed.headers.get('location')!)).text()
    assert.include(page, '1 other session was signed out')
    assert.isFalse(await phone.signedIn(), 'the other session ended')
    assert.isTrue(await laptop.signedIn(), 'the session that changed it stays')
    await new CookieBrowser(second.base).signIn(user.email, 'a brand new passphrase')
  })

  test('your sessions: where each signed in; sign out one, or all but this one', async ({
    assert,
  }) => {
    const user = await UserFactory.with('account').create()
    const laptop = new CookieBrowser(first.base, 'Laptop Firefox/140')
    await laptop.signIn(user.email, FACTORY_PASSWORD)
    const phone = new CookieBrowser(second.base, 'Phone Safari/19')
    await phone.signIn(user.email, FACTORY_PASSWORD)

    const page = await (await laptop.get('/account/sessions')).text()
    const rows = [
      ...page.matchAll(/data-testid="user-session" data-current="(true|false)">([\s\S]*?)<\/tr>/g),
    ]
    assert.lengthOf(rows, 2)
    const current = rows.find((row) => row[1] === 'true')![2]
    const other = rows.find((row) => row[1] === 'false')![2]
    assert.include(current, 'Laptop Firefox/140')
    assert.include(current, 'This session')
    assert.include(other, 'Phone Safari/19')
    assert.match(other, /127\.0\.0\.1/)
    // The list names a session by a digest, never by the id its cookie carries.
    const handle = other.match(/\/account\/sessions\/([0-9a-f]{24})/)![1]
    const sessionIds = (await db.from('sessions').select('id')).map((row) => String(row.id))
    for (const id of sessionIds) assert.notInclude(page, id)

    const one = await laptop.post(
      `/account/sessions/${handle}?_method=DELETE`,
      {},
      '/account/sessions'
    )
    assert.equal(one.status, 302)
    assert.isFalse(await phone.signedIn(), 'the phone is signed out')
    assert.isTrue(await laptop.signedIn(), 'the laptop stays')
    const again = await laptop.post(
      `/account/sessions/${handle}?_method=DELETE`,
      {},
      '/account/sessions'
    )
    assert.include(await (await laptop.get(again.headers.get('location')!)).text(), 'already ended')

    const tablet = new CookieBrowser(second.base, 'Tablet Chrome/150')
    await tablet.signIn(user.email, FACTORY_PASSWORD)
    const all = await laptop.post('/account/sessions?_method=DELETE', {}, '/account/sessions')
    assert.include(
      await (await laptop.get(all.headers.get('location')!)).text(),
      '1 other session is signed out.'
    )
    assert.isFalse(await tablet.signedIn())
    assert.isTrue(await laptop.signedIn())

    const audited = await db
      .from('audit_events')
      .where('action', 'user.sessions_ended')
      .orderBy('id')
      .select('details', 'actor_user_id')
    assert.lengthOf(audited, 2)
    assert.equal(audited[0].actor_user_id, user.id)
  })

  test("an owner removing a user ends the user's sessions at once", async ({ assert }) => {
    const owner = await UserFactory.with('account').create()
    const colleague = await UserFactory.merge({
      accountId: owner.accountId,
      role: 'admin',
    }).create()
    const ownerBrowser = new CookieBrowser(first.base)
    await ownerBrowser.signIn(owner.email, FACTORY_PASSWORD)
    const colleagueBrowser = new CookieBrowser(second.base)
    await colleagueBrowser.signIn(colleague.email, FACTORY_PASSWORD)
    assert.isTrue(await colleagueBrowser.signedIn())

    const removed = await ownerBrowser.post(`/users/${colleague.id}?_method=DELETE`, {}, '/users')
    assert.equal(removed.status, 302)
    assert.isNull(await User.find(colleague.id))
    assert.isFalse(await colleagueBrowser.signedIn())
    assert.equal(await sessionRows(colleague.id), 0)
    assert.isTrue(await ownerBrowser.signedIn())
  })

  test('a session idle past its time-out is gone (the store row expired)', async ({ assert }) => {
    const user = await UserFactory.with('account').create()
    const browser = new CookieBrowser(first.base)
    await browser.signIn(user.email, FACTORY_PASSWORD)
    assert.isTrue(await browser.signedIn())
    // The store's expiry is pushed forward by each request; here the last one was long ago.
    await db.from('sessions').where('user_id', String(user.id)).update({ expires_at: expiredAt() })
    assert.isFalse(await browser.signedIn())
  })

  test('signed-in pages are not cached and send no referrer to other sites', async ({ assert }) => {
    const user = await UserFactory.with('account').create()
    const browser = new CookieBrowser(second.base)
    await browser.signIn(user.email, FACTORY_PASSWORD)
    const page = await browser.get('/')
    assert.equal(page.status, 200)
    assert.equal(page.headers.get('cache-control'), 'no-store')
    assert.equal(page.headers.get('referrer-policy'), 'same-origin')
  })
})

async function sessionRows(userId: number) {
  const rows = await db.from('sessions').where('user_id', String(userId)).count('* as total')
  return Number(rows[0].total)
}

/** One minute ago, as the store writes `expires_at` (a Date: a number on SQLite, a DATETIME on MySQL). */
function expiredAt() {
  const past = new Date(Date.now() - 60_000)
  return db.primaryConnectionName === 'sqlite' ? past.getTime() : toSqlDateTime(past)
}
