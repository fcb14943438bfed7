import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * Staff-only pages (account switching, diagnostics): anyone else gets 404, so
 * the pages' existence is not revealed.
 */
export default class StaffMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    if (!ctx.auth.user?.isStaff) {
      return ctx.response.notFound('Not found')
    }
    return next()
  }
}
