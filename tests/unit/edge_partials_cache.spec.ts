import { test } from '@japa/runner'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Edge } from 'edge.js'
import { cacheComponentList, cacheIncludedPartials } from '#start/view'

/** A views folder with a page that includes a partial twice: once with a local variable in scope, once without. */
async function views() {
  const root = await mkdtemp(join(tmpdir(), 'edge-partials-'))
  await mkdir(join(root, 'partials'))
  await writeFile(
    join(root, 'page.edge'),
    `@each(item in items)\n@include('partials/row')\n@end\n|\n@include('partials/row')\n`
  )
  await writeFile(
    join(root, 'partials/row.edge'),
    `[{{ typeof item === 'undefined' ? 'none' : item }}]`
  )
  return root
}

const squash = (html: string) => html.replace(/\s+/g, '')

test.group('Edge partials in production', () => {
  test('an included partial is compiled once and renders each caller its own variables', async ({
    assert,
    cleanup,
  }) => {
    const root = await views()
    cleanup(() => rm(root, { recursive: true, force: true }))
    const edge = Edge.create({ cache: true })
    edge.mount(pathToFileURL(`${root}/`))
    cacheIncludedPartials(edge)

    assert.equal(squash(await edge.render('page', { items: [1, 2] })), '[1][2]|[none]')
    // A changed file is not read again: the compiled partial is reused.
    await writeFile(join(root, 'partials/row.edge'), 'changed')
    assert.equal(squash(await edge.render('page', { items: [3] })), '[3]|[none]')
  })

  test('without the cache (development) a changed partial shows at once', async ({
    assert,
    cleanup,
  }) => {
    const root = await views()
    cleanup(() => rm(root, { recursive: true, force: true }))
    const edge = Edge.create({ cache: false })
    edge.mount(pathToFileURL(`${root}/`))
    cacheIncludedPartials(edge)

    assert.equal(squash(await edge.render('page', { items: [1] })), '[1]|[none]')
    await writeFile(join(root, 'partials/row.edge'), 'changed')
    assert.equal(squash(await edge.render('page', { items: [1] })), 'changed|changed')
  })
})

/** A views folder with a component (resources/views/components/*) and a page that uses it as a tag. */
async function componentViews() {
  const root = await mkdtemp(join(tmpdir(), 'edge-components-'))
  await mkdir(join(root, 'components'))
  await writeFile(join(root, 'components/badge.edge'), `<b>{{ label }}</b>`)
  await writeFile(join(root, 'page.edge'), `@!badge({ label: name })\n|end`)
  return root
}

/** Edge built as the app's singleton is (no options), then switched to caching as the provider does in production. */
async function countedEdge(cache: boolean) {
  const root = await componentViews()
  const edge = new Edge()
  edge.configure({ cache })
  edge.mount(pathToFileURL(`${root}/`))
  let listings = 0
  const list = edge.loader.listComponents.bind(edge.loader)
  edge.loader.listComponents = () => {
    listings++
    return list()
  }
  cacheComponentList(edge)
  return { root, edge, listings: () => listings }
}

test.group('Edge components in production', () => {
  test('with the cache the components folder is listed once, and component tags still render', async ({
    assert,
    cleanup,
  }) => {
    const { root, edge, listings } = await countedEdge(true)
    cleanup(() => rm(root, { recursive: true, force: true }))
    for (const name of ['a', 'b', 'c'])
      assert.equal(squash(await edge.render('page', { name })), `<b>${name}</b>|end`)
    assert.equal(listings(), 1)
  })

  test('without the cache (development) the folder is listed for every render', async ({
    assert,
    cleanup,
  }) => {
    const { root, edge, listings } = await countedEdge(false)
    cleanup(() => rm(root, { recursive: true, force: true }))
    for (const name of ['a', 'b', 'c'])
      assert.equal(squash(await edge.render('page', { name })), `<b>${name}</b>|end`)
    assert.equal(listings(), 3)
  })
})
