import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import ProductSetupService from '#services/product_setup_service'
import ProductPolicy from '#policies/product_policy'
import { autotaskCredentialsValidator } from '#validators/product_setup'
import { auditWeb } from '#services/audit_service'

/** Wizard step 2: the Autotask API user, tested before anything is stored. */
@inject()
export default class AutotaskSetupController {
  constructor(protected setup: ProductSetupService) {}

  async edit(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    return ctx.view.render('pages/product_setup/autotask/edit', { product, step: 'autotask' })
  }

  async update(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    // Shared before validating, so a 422 re-render of the form has its page state.
    ctx.view.share({ product, step: 'autotask' })
    const input = await ctx.request.validateUsing(autotaskCredentialsValidator)
    const result = await this.setup.connectAutotask(product, input, ctx.auth.getUserOrFail().email)
    if (!result.ok) {
      ctx.response.status(422)
      return ctx.view.render('pages/product_setup/autotask/edit', {
        formError: result.reason,
        values: { username: input.username, integrationCode: input.integrationCode },
      })
    }
    await auditWeb(ctx, 'product.autotask_connected', {
      product,
      details: {
        username: input.username,
        integrationCode: input.integrationCode,
        zone: result.zone.zoneName,
      },
    })
    ctx.session.flash(
      'notice',
      `Autotask connected (zone ${result.zone.zoneName}). Next, connect Xero.`
    )
    return ctx.response.redirectWithHtmx(
      router.makeUrl('product_setup.xero.show', { product_id: product.id })
    )
  }
}
