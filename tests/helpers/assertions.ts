import SyncLog from '#models/sync_log'

/** The messages of a product's log lines with this event, oldest first. */
export async function logMessages(productId: number, event: string) {
  const lines = await SyncLog.query().where('product_id', productId).where('event', event).orderBy('id')
  return lines.map((line) => line.message)
}
