import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import StaticMiddleware from '@adonisjs/static/static_middleware'

/**
 * Files in public/ (app.css, app.js) all have an extension; pages never do. Only a
 * path whose last segment has one is looked for on disk, so a page request costs no
 * `stat` of a file that cannot exist before it reaches the router.
 */
@inject()
export default class PublicFilesMiddleware {
  constructor(protected files: StaticMiddleware) {}

  handle(ctx: HttpContext, next: NextFn) {
    const path = ctx.request.url()
    const lastSegment = path.slice(path.lastIndexOf('/') + 1)
    if (!lastSegment.includes('.')) return next()
    return this.files.handle(ctx, next)
  }
}
