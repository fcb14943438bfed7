import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * One URL per view: an htmx request gets only the fragment, others the full page.
 * Responses vary on HX-Request so caches keep the two apart.
 */
export default class HtmxMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    ctx.isHtmx = ctx.request.header('hx-request') === 'true'
    ctx.response.header('Vary', 'HX-Request')
    if ('view' in ctx) ctx.view.share({ isHtmx: ctx.isHtmx })
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    isHtmx: boolean
  }
}
