import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import SyncLogSearchService from '#services/sync_log_search_service'
import { filledQuery, logFiltersValidator } from '#validators/record_filters'

/** The Sync Logs tab: the raw log with its search box. */
@inject()
export default class SyncLogsController {
  constructor(protected search: SyncLogSearchService) {}

  async index(ctx: HttpContext) {
    const product = ctx.product
    const filters = await ctx.request.validateUsing(logFiltersValidator, {
      data: filledQuery(ctx.request.qs()),
    })
    const page = await this.search.page(product, filters)
    const state = { product, filters, ...page, activeTab: 'sync_logs.index' }
    if (ctx.isHtmx && ctx.request.header('hx-target') === 'log-lines') {
      return ctx.view.render('partials/sync_logs/lines', state)
    }
    return ctx.view.render('pages/sync_logs/index', state)
  }
}
