import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import ProductSetupService from '#services/product_setup_service'
import ProductPolicy from '#policies/product_policy'
import { mappingsValidator } from '#validators/product_setup'
import { auditWeb } from '#services/audit_service'
import UnmappedValueService from '#services/unmapped_value_service'

/** Wizard step 4: Autotask tax regions and billing codes against Xero tax rates and accounts. */
@inject()
export default class MappingsSetupController {
  constructor(
    protected setup: ProductSetupService,
    protected unmapped: UnmappedValueService
  ) {}

  async edit(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const result = await this.setup.mappingForm(product)
    if (!result.ok) {
      return ctx.view.render('pages/product_setup/mappings/edit', {
        product,
        step: 'mappings',
        problem: result,
      })
    }
    // Re-rendered with the choices the page holds (a category chosen, a list refreshed): they come as the query.
    const asked = ctx.request.qs()
    return ctx.view.render('pages/product_setup/mappings/edit', {
      product,
      step: 'mappings',
      form: result.form,
      unmapped: await this.unmapped.list(product),
      values: Object.keys(asked).length ? asked : undefined,
    })
  }

  /** One action: the faulted invoices an unmapped value held back go back to pending, now that it is mapped. */
  async resyncHeld(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const { moved } = await this.unmapped.resyncHeldBack(product, ctx.auth.getUserOrFail().email)
    ctx.session.flash(
      'notice',
      moved
        ? `${moved} invoice(s) held back by a missing mapping will sync on the next run.`
        : 'No faulted invoice is ready to resync: map the values listed first.'
    )
    return ctx.response.redirectWithHtmx(
      router.makeUrl('product_setup.mappings.edit', { product_id: product.id })
    )
  }

  async update(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const loaded = await this.setup.mappingForm(product)
    if (!loaded.ok) {
      ctx.session.flash('setupError', loaded.reason)
      return ctx.response.redirectWithHtmx(
        router.makeUrl('product_setup.mappings.edit', { product_id: product.id })
      )
    }
    // Shared before validating, so a 422 re-render of the form has its page state.
    ctx.view.share({ product, step: 'mappings', form: loaded.form })
    const input = await ctx.request.validateUsing(mappingsValidator)
    const result = await this.setup.saveMappings(
      product,
      loaded.form,
      input,
      ctx.auth.getUserOrFail().email
    )
    if (!result.ok) {
      ctx.response.status(422)
      return ctx.view.render('pages/product_setup/mappings/edit', {
        formError: result.reason,
        values: input,
      })
    }
    await auditWeb(ctx, 'product.mappings_changed', {
      product,
      details: { changes: result.changes },
    })
    ctx.session.flash(
      'notice',
      product.isActive
        ? `Mappings of "${product.name}" saved.`
        : `"${product.name}" is set up and Paused. What is left: switch it to Active on its card to start syncing.`
    )
    return ctx.response.redirectWithHtmx(router.makeUrl('dashboard.show'))
  }
}
