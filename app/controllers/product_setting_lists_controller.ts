import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import ProductPolicy from '#policies/product_policy'
import LiveListService from '#services/live_list_service'
import { currentValue, LIST_FIELDS, type ListField } from '#services/product_settings_service'
import { isLiveListKind } from '#enums/live_list'
import { companySearchValidator } from '#validators/product_settings'

/** The Settings page's lists: one list-backed field, a list's Refresh, and the company search. */
@inject()
export default class ProductSettingListsController {
  constructor(protected liveLists: LiveListService) {}

  /** One list-backed field, keeping the choice the page holds (re-rendered after a Refresh). */
  async field(ctx: HttpContext) {
    const name = ctx.params.field as string
    if (!Object.hasOwn(LIST_FIELDS, name)) return ctx.response.notFound('No such setting.')
    const field = LIST_FIELDS[name as ListField['name']]
    const product = ctx.product
    const asked = ctx.request.input(field.name)
    const selected =
      typeof asked === 'string' ? asked : currentValue(product.effectiveSettings, field.name)
    return ctx.view.render('partials/product_settings/list_field', {
      product,
      field,
      list: await this.liveLists.list(product, field.kind),
      selected,
      canAct: await ctx.bouncer.with(ProductPolicy).allows('act', product),
    })
  }

  /** Fetches a list afresh; every field showing it re-renders itself on the event. */
  async refresh(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const kind = ctx.params.kind as string
    if (!isLiveListKind(kind)) return ctx.response.notFound('No such list.')
    const view = await this.liveLists.refresh(product, kind)
    if (ctx.isHtmx) {
      ctx.response.header('HX-Trigger', `live-list-${kind}`)
      return ctx.response.noContent()
    }
    ctx.session.flash(
      'notice',
      view.problem ?? `${view.label} refreshed: ${view.entries.length} in the list.`
    )
    const back =
      ctx.request.input('back') === 'mappings'
        ? 'product_setup.mappings.edit'
        : 'product_settings.edit'
    return ctx.response.redirect(router.makeUrl(back, { product_id: product.id }))
  }

  /** Companies whose name (or id) holds every word typed. */
  async companies(ctx: HttpContext) {
    const { q } = await ctx.request.validateUsing(companySearchValidator)
    const term = q ?? ''
    const results = term
      ? await this.liveLists.search(ctx.product, 'autotask_companies', term)
      : null
    return ctx.view.render('partials/product_settings/company_results', {
      product: ctx.product,
      term,
      results,
    })
  }

  /** One chosen company, as a chip carrying its hidden form value. */
  async company(ctx: HttpContext) {
    const id = String(ctx.params.company_id)
    const list = await this.liveLists.list(ctx.product, 'autotask_companies')
    const company = list.entries.find((entry) => entry.value === id)
    if (!company) return ctx.response.notFound('Autotask has no such company in the list.')
    return ctx.view.render('partials/product_settings/company_chip', { company })
  }
}
