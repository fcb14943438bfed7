/**
 * Runs a transaction again when the database chose it as a deadlock's victim or its lock wait
 * timed out (MySQL 1213 / 1205; SQLite busy): it was rolled back whole, so running it again is
 * safe. Batches of one product commit in parallel (several in flight), and several products'
 * batches commit at once in one worker, beside discovery's pages.
 */
export async function retryingDeadlocks<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const code = (error as { code?: string })?.code
      const retryable =
        code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY'
      if (!retryable || attempt >= attempts) throw error
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt * (1 + Math.random())))
    }
  }
}
