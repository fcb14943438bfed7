import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import StaticMiddleware from '@adonisjs/static/static_middleware'

/**
 * Files in public/ (app.css, app.js) all have an extension; pages never do. Only a
 * path whose last segment has one is looked for on disk, so a page request costs no
 * `stat` of a file that cannot exist, nor the file server the container builds
 * afresh for every request that asks for it.
 */
export default class PublicFilesMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const path = ctx.request.url()
    const lastSegment = path.slice(path.lastIndexOf('/') + 1)
    if (!lastSegment.includes('.')) return next()
    const files = await ctx.containerResolver.make(StaticMiddleware)
    return files.handle(ctx, next)
  }
}
