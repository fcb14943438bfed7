import { inject } from '@adonisjs/core'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import Product from '#models/product'
import SyncPreview from '#models/sync_preview'
import SyncPreviewer from '#sync/sync_preview'
import { Clock } from '#sync/clock'

/** A preview still "running" after this long was left by a process that ended: it shows as failed. */
const STALE_AFTER_MINUTES = 30

/**
 * "Preview next sync" for every face: a preview row per request, computed by
 * SyncPreviewer and stored with its result, so the web starts one in the
 * background and polls it (a thousand invoices outlast a request), the console
 * and Slack wait for it, and any process shows the latest.
 */
@inject()
export default class SyncPreviewService {
  constructor(protected clock: Clock) {}

  /**
   * Starts a preview in the background; while one of the product runs, that one is returned.
   * `done` settles when this one is stored (a face may wait for it a little).
   */
  async start(product: Product, requestedBy: string) {
    const running = await this.latest(product)
    if (running?.state === 'running')
      return { preview: running, started: false, done: Promise.resolve() }
    const preview = await this.create(product, requestedBy)
    // Not awaited: the request answers at once and the page polls the stored row.
    const done = this.execute(preview, product.id)
    return { preview, started: true, done }
  }

  /** A preview computed now, waited for (the console and Slack). */
  async run(product: Product, requestedBy: string) {
    const preview = await this.create(product, requestedBy)
    await this.execute(preview, product.id)
    return preview
  }

  /** The product's latest preview, one left running by an ended process marked failed. */
  async latest(product: Product) {
    const preview = await SyncPreview.query()
      .where('product_id', product.id)
      .orderBy('id', 'desc')
      .first()
    const staleBefore = this.clock.now().minus({ minutes: STALE_AFTER_MINUTES })
    if (preview?.state === 'running' && preview.startedAt < staleBefore) {
      preview.merge({
        state: 'failed',
        error: 'The preview stopped without finishing (its process ended): start it again.',
        finishedAt: this.clock.now(),
      })
      await preview.save()
    }
    return preview
  }

  private create(product: Product, requestedBy: string) {
    return SyncPreview.create({
      productId: product.id,
      state: 'running',
      requestedBy,
      startedAt: this.clock.now(),
    })
  }

  /** Computes and stores the result; a failure (no connection, Xero or Autotask down) is stored as the reason. */
  private async execute(preview: SyncPreview, productId: number) {
    try {
      const previewer = await app.container.make(SyncPreviewer)
      const result = await previewer.run(await Product.findOrFail(productId))
      preview.merge({ state: 'finished', result, finishedAt: this.clock.now() })
    } catch (failure) {
      logger.warn({ err: failure, productId }, 'sync preview failed')
      preview.merge({
        state: 'failed',
        error: (failure as Error)?.message ?? String(failure),
        finishedAt: this.clock.now(),
      })
    }
    await preview.save()
  }
}
