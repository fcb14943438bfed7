import { args, BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import Product from '#models/product'
import ContactReportService, {
  contactStateLabels,
  type ContactState,
} from '#services/contact_report_service'

/** The contact report in the console: every company with invoices and its Xero contact, then a count per state. */
export default class ContactsReport extends BaseCommand {
  static commandName = 'contacts:report'
  static description =
    'Every Autotask company with invoices and its Xero contact: linked, matched, ambiguous or none'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Product id (see products:list)' })
  declare product: string

  @flags.string({ description: 'Only companies whose name or id contains this' })
  declare search?: string

  async run() {
    const product = /^\d+$/.test(this.product) ? await Product.find(Number(this.product)) : null
    if (!product) {
      this.logger.error(`No product #${this.product}.`)
      this.exitCode = 1
      return
    }
    const report = await this.app.container.make(ContactReportService)
    const counts = new Map<ContactState, number>()
    const table = this.ui.table()
    table.head(['Company #', 'Company', 'Invoices', 'State', 'Xero contact', 'Next sync'])
    const problems: string[] = []
    for await (const row of report.all(product, this.search, problems)) {
      counts.set(row.state, (counts.get(row.state) ?? 0) + 1)
      table.row([
        String(row.companyId),
        row.companyName,
        String(row.invoices),
        contactStateLabels[row.state],
        row.candidates.map((c) => (c.detail ? `${c.name} (${c.detail})` : c.name)).join('; '),
        row.nextSync,
      ])
    }
    table.render()
    const summary = (Object.keys(contactStateLabels) as ContactState[])
      .filter((state) => counts.get(state))
      .map((state) => `${counts.get(state)} ${contactStateLabels[state].toLowerCase()}`)
      .join(', ')
    this.logger.info(
      `Product #${product.id} ${product.name}: ${summary || 'no company has invoices yet'}`
    )
    for (const problem of problems) this.logger.warning(problem)
    if (problems.length) this.exitCode = 1
  }
}
