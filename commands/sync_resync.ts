import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import InvoiceRecord from '#models/invoice_record'
import RecordStatusService from '#services/record_status_service'
import { auditConsole } from '#services/audit_service'

/** Resync an invoice by its Autotask id or number: the same move as the dashboard's button. */
export default class SyncResync extends BaseCommand {
  static commandName = 'sync:resync'
  static description =
    'Resync an invoice (Autotask id or invoice number); the worker picks it up within 30 s'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Autotask invoice id or invoice number' })
  declare invoice: string

  @flags.number({ description: 'Product id, when the number exists in several products' })
  declare product?: number

  async run() {
    const query = InvoiceRecord.query().where((match) => {
      match.where('invoice_number', this.invoice)
      if (/^\d{1,15}$/.test(this.invoice)) match.orWhere('autotask_id', Number(this.invoice))
    })
    if (this.product) query.where('product_id', this.product)
    const records = await query.limit(5)
    if (records.length === 0) {
      this.logger.error(
        `No invoice "${this.invoice}"${this.product ? ` in product #${this.product}` : ''}.`
      )
      this.exitCode = 1
      return
    }
    if (records.length > 1) {
      this.logger.error(
        `"${this.invoice}" matches invoices in products ${records.map((r) => `#${r.productId}`).join(', ')}: add --product.`
      )
      this.exitCode = 1
      return
    }
    const result = await (
      await this.app.container.make(RecordStatusService)
    ).apply('invoice', records[0], 'resync', 'console')
    if (!result.ok) {
      this.logger.error(result.reason)
      this.exitCode = 1
      return
    }
    await records[0].load('product')
    await auditConsole('record.resync', {
      accountId: records[0].product.accountId,
      product: records[0].product,
      record: { kind: 'invoice', id: records[0].id, label: records[0].invoiceNumber },
    })
    this.logger.success(
      `${records[0].documentLabel} ${records[0].invoiceNumber} (#${records[0].autotaskId}) is Pending Sync again.`
    )
  }
}
