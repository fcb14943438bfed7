import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import ProductService from '#services/product_service'
import ProductSetupService, {
  type PendingXeroConnection,
  type XeroAuthorizationInProgress,
} from '#services/product_setup_service'
import ProductPolicy from '#policies/product_policy'
import { xeroCallbackValidator, xeroOrganisationValidator } from '#validators/product_setup'
import { auditWeb } from '#services/audit_service'

/** Session keys: the authorization in flight, and a sign-in waiting for the organisation to be chosen. */
const AUTHORIZATION_KEY = 'xeroAuthorization'
const PENDING_KEY = 'xeroPendingConnection'

/** Wizard step 3: Connect to Xero (OAuth 2.0 with PKCE), then pick the organisation when Xero allowed several. */
@inject()
export default class XeroSetupController {
  constructor(
    protected products: ProductService,
    protected setup: ProductSetupService
  ) {}

  async show(ctx: HttpContext) {
    const product = await this.product(ctx)
    const permissions = this.setup.xeroPermissions()
    return ctx.view.render('pages/product_setup/xero/show', { product, step: 'xero', permissions })
  }

  /** Remembers state and PKCE verifier in the session and sends the browser to Xero's consent page. */
  async store(ctx: HttpContext) {
    const product = await this.product(ctx)
    const { request, remember } = this.setup.startXeroAuthorization(product)
    ctx.session.put(AUTHORIZATION_KEY, remember)
    ctx.session.forget(PENDING_KEY)
    return ctx.response.redirectWithHtmx(request.url)
  }

  /** Where Xero sends the browser back (XERO_REDIRECT_URI); the authorization in the session is used once. */
  async callback(ctx: HttpContext) {
    const expected = ctx.session.pull(AUTHORIZATION_KEY) as XeroAuthorizationInProgress | undefined
    if (!expected) {
      ctx.session.flash(
        'alert',
        'No Xero connection was in progress in this browser. Open the product and connect to Xero again.'
      )
      return ctx.response.redirect().toRoute('dashboard.show')
    }
    const product = await this.products.findForAccount(ctx.account, expected.productId)
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const query = await ctx.request.validateUsing(xeroCallbackValidator, { data: ctx.request.qs() })
    const result = await this.setup.completeXeroAuthorization(
      product,
      query,
      expected,
      ctx.auth.getUserOrFail().email
    )
    if (!result.ok) {
      ctx.session.flash('setupError', result.reason)
      return ctx.response.redirect().toRoute('product_setup.xero.show', { product_id: product.id })
    }
    if ('choose' in result) {
      ctx.session.put(PENDING_KEY, result.choose)
      return ctx.response
        .redirect()
        .toRoute('product_setup.organisation.edit', { product_id: product.id })
    }
    await auditWeb(ctx, 'product.xero_connected', {
      product,
      details: { organisation: result.connected.tenantName },
    })
    ctx.session.flash(
      'notice',
      `Connected to the Xero organisation "${result.connected.tenantName}". Last step: the mappings.`
    )
    return ctx.response
      .redirect()
      .toRoute('product_setup.mappings.edit', { product_id: product.id })
  }

  async editOrganisation(ctx: HttpContext) {
    const product = await this.product(ctx)
    const pending = this.pending(ctx, product.id)
    if (!pending) return this.noPendingSignIn(ctx, product.id)
    return ctx.view.render('pages/product_setup/organisation/edit', {
      product,
      step: 'xero',
      tenants: pending.tenants,
    })
  }

  async updateOrganisation(ctx: HttpContext) {
    const product = await this.product(ctx)
    const pending = this.pending(ctx, product.id)
    if (!pending) return this.noPendingSignIn(ctx, product.id)
    // Shared before validating, so a 422 re-render of the form has its page state.
    ctx.view.share({ product, step: 'xero', tenants: pending.tenants })
    const { tenantId } = await ctx.request.validateUsing(xeroOrganisationValidator)
    ctx.session.forget(PENDING_KEY)
    const result = await this.setup.chooseXeroOrganisation(
      product,
      pending,
      tenantId,
      ctx.auth.getUserOrFail().email
    )
    if (!result.ok) {
      ctx.session.flash('setupError', result.reason)
      return ctx.response.redirectWithHtmx(
        router.makeUrl('product_setup.xero.show', { product_id: product.id })
      )
    }
    await auditWeb(ctx, 'product.xero_connected', {
      product,
      details: { organisation: result.connected.tenantName },
    })
    ctx.session.flash(
      'notice',
      `Connected to the Xero organisation "${result.connected.tenantName}". Last step: the mappings.`
    )
    return ctx.response.redirectWithHtmx(
      router.makeUrl('product_setup.mappings.edit', { product_id: product.id })
    )
  }

  /** The route's product (see ProductMiddleware), which the user may act on (403 for viewers). */
  private async product(ctx: HttpContext) {
    await ctx.bouncer.with(ProductPolicy).authorize('act', ctx.product)
    return ctx.product
  }

  private pending(ctx: HttpContext, productId: number) {
    const pending = ctx.session.get(PENDING_KEY) as PendingXeroConnection | undefined
    return pending && pending.productId === productId ? pending : null
  }

  private noPendingSignIn(ctx: HttpContext, productId: number) {
    ctx.session.flash(
      'setupError',
      'No Xero sign-in is waiting for an organisation to be chosen. Connect to Xero again.'
    )
    return ctx.response.redirectWithHtmx(
      router.makeUrl('product_setup.xero.show', { product_id: productId })
    )
  }
}
