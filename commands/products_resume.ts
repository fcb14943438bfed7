import { ProductStatusCommand } from '#commands/products_pause'

/** Resume (activate) a product. */
export default class ProductsResume extends ProductStatusCommand {
  static commandName = 'products:resume'
  static description = 'Set a product Active'
  status = 'active' as const
}
