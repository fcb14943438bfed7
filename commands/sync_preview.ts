import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import Product from '#models/product'
import SyncPreviewService from '#services/sync_preview_service'
import AuditService, { auditConsole } from '#services/audit_service'
import { previewRecordLine, previewSummary } from '#sync/sync_preview'

/** "Preview next sync" from the console: what the next sync would send, written nowhere. */
export default class SyncPreviewCommand extends BaseCommand {
  static commandName = 'sync:preview'
  static description =
    'Show what the next sync of a product would send to Xero, without writing anything'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Product id (see products:list)' })
  declare id: string

  @flags.boolean({ description: 'Print the whole preview as JSON (with each payload)' })
  declare json?: boolean

  async run() {
    const product = /^\d+$/.test(this.id) ? await Product.find(Number(this.id)) : null
    if (!product) {
      this.logger.error(`No product #${this.id}.`)
      this.exitCode = 1
      return
    }
    const audit = await this.app.container.make(AuditService)
    const service = await this.app.container.make(SyncPreviewService)
    if (!this.json) this.logger.info(`Previewing the next sync of #${product.id} ${product.name}…`)
    const preview = await service.run(product, audit.consoleActor().label)
    await auditConsole('product.previewed', { accountId: product.accountId, product })
    if (preview.state !== 'finished' || !preview.result) {
      this.logger.error(`The preview failed: ${preview.error}`)
      this.exitCode = 1
      return
    }
    if (this.json) {
      this.logger.log(JSON.stringify(preview.result, null, 2))
      return
    }
    for (const line of previewSummary(preview.result)) this.logger.log(line)
    for (const record of preview.result.records) this.logger.log(previewRecordLine(record))
    this.logger.success('Nothing was written to Xero or to the records.')
  }
}
