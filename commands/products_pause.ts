import { BaseCommand, args } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import Product from '#models/product'
import ProductService from '#services/product_service'
import { auditConsole } from '#services/audit_service'

/** Pause and resume share everything but the status they set. */
export abstract class ProductStatusCommand extends BaseCommand {
  static options: CommandOptions = { startApp: true }
  abstract status: 'active' | 'paused'

  @args.string({ description: 'Product id (see products:list)' })
  declare id: string

  async run() {
    const product = /^\d+$/.test(this.id) ? await Product.find(Number(this.id)) : null
    if (!product) {
      this.logger.error(`No product #${this.id}.`)
      this.exitCode = 1
      return
    }
    await (await this.app.container.make(ProductService)).setStatus(product, this.status, 'console')
    await auditConsole(this.status === 'active' ? 'product.resumed' : 'product.paused', {
      accountId: product.accountId,
      product,
    })
    this.logger.success(
      `Product #${product.id} ${product.name} is ${this.status === 'active' ? 'Active' : 'Paused'}.`
    )
  }
}

/** Pause a product: the engine stops it at the next safe point. */
export default class ProductsPause extends ProductStatusCommand {
  static commandName = 'products:pause'
  static description = 'Pause a product (syncing stops at the next safe point)'
  status = 'paused' as const
}
