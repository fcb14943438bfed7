import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { readFile, rm, writeFile } from 'node:fs/promises'

test.group('Public files', () => {
  test('the stylesheet and script are served from public/ with caching headers', async ({
    client,
    assert,
  }) => {
    const css = await client.get('/css/app.css')
    css.assertStatus(200)
    assert.match(css.header('content-type') ?? '', /text\/css/)
    assert.equal(css.text(), await readFile(app.publicPath('css/app.css'), 'utf8'))
    assert.exists(css.header('etag'))
    assert.exists(css.header('last-modified'))

    const js = await client.get('/js/app.js')
    js.assertStatus(200)
    assert.match(js.header('content-type') ?? '', /javascript/)

    const again = await client.get('/css/app.css').header('If-None-Match', css.header('etag')!)
    again.assertStatus(304)
  })

  test('a missing file falls through to the router (404), and dot-files stay hidden', async ({
    client,
  }) => {
    const missing = await client.get('/css/nothing-here.css')
    missing.assertStatus(404)
    const dotFile = await client.get('/.env')
    dotFile.assertStatus(404)
  })

  test('a path without an extension is a page: it is never looked for in public/', async ({
    client,
    cleanup,
  }) => {
    // A file named like a route, without an extension, must not shadow the page.
    await writeFile(app.publicPath('login'), 'a stray file')
    cleanup(() => rm(app.publicPath('login'), { force: true }))
    const login = await client.get('/login')
    login.assertStatus(200)
    login.assertTextIncludes('Sign in')
  })
})
