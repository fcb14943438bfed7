import app from '@adonisjs/core/services/app'
import { type HttpContext, ExceptionHandler } from '@adonisjs/core/http'
import type { StatusPageRange, StatusPageRenderer } from '@adonisjs/core/types/http'

export default class HttpExceptionHandler extends ExceptionHandler {
  /** Stack traces only while developing; never in production or tests. */
  protected debug = app.inDev

  /** Our own 404/500/403 pages everywhere but development. */
  protected renderStatusPages = !app.inDev

  protected statusPages: Record<StatusPageRange, StatusPageRenderer> = {
    '403': (error, { view }) => view.render('pages/errors/forbidden', { error }),
    '404': (error, { view }) => view.render('pages/errors/not_found', { error }),
    '500..599': (_error, { view }) => view.render('pages/errors/server_error'),
  }

  /**
   * A form without a valid CSRF token (expired, or posted from another site)
   * gets a 403 page that says what to do, for htmx and plain forms alike. A refused
   * action is a 403 too: Bouncer 4 would redirect a refused form "back" with a flash,
   * which an htmx caller would swap in as if it had worked.
   */
  async handle(error: unknown, ctx: HttpContext) {
    const code = (error as { code?: string })?.code
    if (code === 'E_BAD_CSRF_TOKEN') {
      const html = await ctx.view.render('pages/errors/csrf')
      return ctx.response.status(403).send(html)
    }
    if (code === 'E_AUTHORIZATION_FAILURE') {
      const html = await ctx.view.render('pages/errors/forbidden', { error })
      return ctx.response.status(403).send(html)
    }
    return super.handle(error, ctx)
  }

  /**
   * A form posted through htmx re-renders in place with its field errors and
   * status 422 (which htmx is configured to swap). The form page follows the
   * route name: `products.store` → pages/products/create.
   */
  async renderValidationErrorAsHTML(error: any, ctx: HttpContext) {
    // A query string (a search, a page cursor) is no form to go back to: a redirect would
    // land on the dashboard, which htmx swaps into the grid. Say what is wrong, with 422.
    if (ctx.request.method() === 'GET') {
      const reasons = (error.messages as { message: string }[]).map((m) => m.message)
      const html = await ctx.view.render('pages/errors/invalid_query', { reasons })
      return ctx.response.status(422).send(html)
    }
    const formPage = formPageFor(ctx.route?.name)
    if (ctx.isHtmx && formPage) {
      const inputErrors: Record<string, string[]> = {}
      for (const message of error.messages as { field: string; message: string }[]) {
        inputErrors[message.field] = [...(inputErrors[message.field] ?? []), message.message]
      }
      // Shared, not passed: components (the form fields) see shared state only.
      ctx.view.share({ inputErrors, values: ctx.request.except(['_csrf', 'password']) })
      const html = await ctx.view.render(formPage)
      return ctx.response.status(422).send(html)
    }
    return super.renderValidationErrorAsHTML(error, ctx)
  }
}

function formPageFor(routeName: string | undefined) {
  const match = routeName?.match(/^(.+)\.(store|update)$/)
  if (!match) return null
  return `pages/${match[1].replaceAll('.', '/')}/${match[2] === 'store' ? 'create' : 'edit'}`
}
