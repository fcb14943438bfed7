import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import ProductService from '#services/product_service'
import ProductPolicy from '#policies/product_policy'
import type Product from '#models/product'

/**
 * The product a route names (`:product_id`, or the parameter given) in the
 * current account, or a 404; a user who may not view it gets a 403.
 */
@inject()
export default class ProductMiddleware {
  constructor(protected products: ProductService) {}

  async handle(ctx: HttpContext, next: NextFn, options: { param?: string } = {}) {
    const product = await this.products.findForAccount(
      ctx.account,
      ctx.params[options.param ?? 'product_id']
    )
    await ctx.bouncer.with(ProductPolicy).authorize('view', product)
    ctx.product = product
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    product: Product
  }
}
