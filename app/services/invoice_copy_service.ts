import { inject } from '@adonisjs/core'
import lockManager from '@adonisjs/lock/services/main'
import { AutotaskClient, autotaskCredentialsOf } from '#integrations/autotask/autotask_client'
import {
  AutotaskAuthError,
  AutotaskError,
  AutotaskNotFoundError,
  AutotaskThrottledError,
  AutotaskTransientError,
} from '#integrations/autotask/errors'
import InvoiceRecord from '#models/invoice_record'
import type Product from '#models/product'
import SyncLogService from '#services/sync_log_service'

export type InvoiceCopyResult = { ok: true; fetched: boolean } | { ok: false; reason: string }

/** Larger than any invoice Autotask renders; anything bigger is refused rather than stored. */
export const MAX_COPY_BYTES = 4 * 1024 * 1024

/**
 * Autotask's HTML copy of an invoice, fetched the first time a person opens the
 * originals and stored on the record. Discovery never downloads it: Autotask
 * serves one copy a request, which the sync's call budget cannot afford.
 */
@inject()
export default class InvoiceCopyService {
  constructor(
    protected autotask: AutotaskClient,
    protected logs: SyncLogService
  ) {}

  /**
   * Makes sure the record holds its copy: one Autotask call on the first view, none after.
   * A failure stores nothing, so the next view tries again.
   */
  async ensure(
    product: Product,
    invoice: InvoiceRecord,
    actor: string
  ): Promise<InvoiceCopyResult> {
    if (invoice.autotaskHtml) return { ok: true, fetched: false }
    const credentials = autotaskCredentialsOf(product)
    if (!credentials) {
      return {
        ok: false,
        reason:
          "This product has no Autotask connection, so Autotask's copy cannot be fetched. " +
          'Add its Autotask API user in Settings › Autotask credentials, then open the originals again.',
      }
    }

    // Two people opening the same invoice at once still cost one call: the second waits, then reads the stored copy.
    const lock = lockManager.createLock(`invoice-copy:${invoice.id}`, '45s')
    if (!(await lock.acquire({ retry: { attempts: 200, delay: 200 } }))) {
      return {
        ok: false,
        reason:
          "Autotask's copy is being fetched by another request; open the originals again in a moment.",
      }
    }
    try {
      const stored = await InvoiceRecord.query()
        .where('id', invoice.id)
        .select('id', 'autotask_html')
        .first()
      if (stored?.autotaskHtml) {
        invoice.autotaskHtml = stored.autotaskHtml
        return { ok: true, fetched: false }
      }
      return await this.fetch(product, invoice, credentials, actor)
    } finally {
      await lock.release()
    }
  }

  private async fetch(
    product: Product,
    invoice: InvoiceRecord,
    credentials: NonNullable<ReturnType<typeof autotaskCredentialsOf>>,
    actor: string
  ): Promise<InvoiceCopyResult> {
    const line = {
      productId: product.id,
      invoiceRecordId: invoice.id,
      autotaskId: invoice.autotaskId,
      actor,
    }
    const name = invoice.invoiceNumber
      ? `invoice ${invoice.invoiceNumber}`
      : `Autotask invoice ${invoice.autotaskId}`
    let html: string
    try {
      html = await this.autotask.connect(credentials).invoiceMarkup(invoice.autotaskId)
    } catch (error) {
      if (!(error instanceof AutotaskError)) throw error
      const reason = scrub(explain(error, invoice), [
        credentials.secret,
        credentials.integrationCode,
      ])
      await this.logs.write({
        ...line,
        level: 'warn',
        event: 'invoice.copy_failed',
        message: `Autotask's copy of ${name} could not be fetched: ${reason}`,
      })
      return { ok: false, reason }
    }
    const bytes = Buffer.byteLength(html, 'utf8')
    if (bytes > MAX_COPY_BYTES) {
      const reason = `Autotask's copy of this invoice is ${(bytes / 1024 / 1024).toFixed(1)} MB, larger than the ${MAX_COPY_BYTES / 1024 / 1024} MB we store; open the invoice in Autotask instead.`
      await this.logs.write({
        ...line,
        level: 'warn',
        event: 'invoice.copy_failed',
        message: reason,
      })
      return { ok: false, reason }
    }
    // Only the copy column, and only while it is empty: the engine may be moving this record at the same time.
    await InvoiceRecord.query()
      .where('id', invoice.id)
      .whereNull('autotask_html')
      .update({ autotask_html: html })
    invoice.autotaskHtml = html
    await this.logs.write({
      ...line,
      event: 'invoice.copy_fetched',
      message: `Autotask's copy of ${name} fetched on its first view and stored`,
    })
    return { ok: true, fetched: true }
  }
}

/** What went wrong, in words a person can act on; what was sent (headers, secret) is never part of it. */
function explain(error: AutotaskError, invoice: InvoiceRecord): string {
  if (error instanceof AutotaskNotFoundError) {
    return `Autotask has no invoice ${invoice.autotaskId} (it may have been deleted there), so there is no copy to show.`
  }
  if (error instanceof AutotaskAuthError) {
    return `Autotask refused the product's API user, so its copy cannot be shown. ${error.message}`
  }
  if (error instanceof AutotaskThrottledError) {
    return "Autotask's request limit is reached for now, so its copy cannot be fetched. Open the originals again later."
  }
  if (error instanceof AutotaskTransientError) {
    return 'Autotask did not answer, so its copy cannot be shown right now. Try again in a moment.'
  }
  return `Autotask refused to send its copy of this invoice. ${error.message}`
}

function scrub(text: string, secrets: string[]): string {
  return secrets
    .filter((secret) => secret.length >= 4)
    .reduce((clean, secret) => clean.replaceAll(secret, '[hidden]'), text)
}
