import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ProductSettingsService, {
  currentValue,
  LIST_FIELDS,
} from '#services/product_settings_service'
import ProductPolicy from '#policies/product_policy'
import type Product from '#models/product'
import { productSettingsValidator } from '#validators/product_settings'
import { auditWeb } from '#services/audit_service'

/** A product's Settings page. */
@inject()
export default class ProductSettingsController {
  constructor(protected settings: ProductSettingsService) {}

  async edit(ctx: HttpContext) {
    const product = ctx.product
    return ctx.view.render('pages/product_settings/edit', await this.state(ctx, product))
  }

  async update(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    // Shared before validating, so a 422 re-render of the form has its page state.
    const state = await this.state(ctx, product)
    ctx.view.share(state)
    const input = await ctx.request.validateUsing(productSettingsValidator, {
      meta: state.choices,
    })
    const { changed, changes } = await this.settings.update(
      product,
      ctx.account,
      input,
      ctx.auth.getUserOrFail().email
    )
    if (changed.length)
      await auditWeb(ctx, 'product.settings_changed', { product, details: { changes } })
    const notice = changed.length
      ? `Saved: ${changed.length} setting(s) changed.`
      : 'Nothing changed.'
    if (ctx.isHtmx) {
      return ctx.view.render('pages/product_settings/edit', {
        ...(await this.state(ctx, product)),
        notice,
      })
    }
    ctx.session.flash('notice', notice)
    return ctx.response.redirect().toRoute('product_settings.edit', { product_id: product.id })
  }

  private async state(ctx: HttpContext, product: Product) {
    const canAct = await ctx.bouncer.with(ProductPolicy).allows('act', product)
    const form = await this.settings.form(product)
    return {
      product,
      settings: product.effectiveSettings,
      ...form,
      listFields: LIST_FIELDS,
      listValues: Object.fromEntries(
        Object.keys(LIST_FIELDS).map((name) => [
          name,
          currentValue(product.effectiveSettings, name as keyof typeof LIST_FIELDS),
        ])
      ),
      canAct,
      activeTab: 'product_settings.edit',
    }
  }
}
