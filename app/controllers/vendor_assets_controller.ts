import { createRequire } from 'node:module'
import type { HttpContext } from '@adonisjs/core/http'

const require = createRequire(import.meta.url)

/**
 * Front-end libraries come from npm and are served by the app itself: no CDN,
 * since neither our machines nor many customers' servers reach the internet.
 */
const assets = new Map<string, { path: string; type: string }>([
  [
    'htmx.min.js',
    { path: require.resolve('htmx.org/dist/htmx.min.js'), type: 'application/javascript' },
  ],
  [
    'alpine.min.js',
    { path: require.resolve('alpinejs/dist/cdn.min.js'), type: 'application/javascript' },
  ],
  ['bulma.min.css', { path: require.resolve('bulma/css/bulma.min.css'), type: 'text/css' }],
])

/** A Map, not an object: `constructor`, `toString` and other inherited names are not assets (404). */
export default class VendorAssetsController {
  async show({ params, response }: HttpContext) {
    const asset = assets.get(params.file)
    if (!asset) return response.notFound('Not found')
    response.header('Content-Type', `${asset.type}; charset=utf-8`)
    response.header('Cache-Control', 'public, max-age=86400')
    return response.download(asset.path, true)
  }
}
