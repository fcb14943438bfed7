import syncConfig from '#config/sync'

/** Past this many companies resolved, a claim is not narrowed to them (the list would make a long query). */
const NARROW_UP_TO = 2000

/**
 * What a run's discovery has stored so far, for the push that runs beside it: each stored page (and the
 * end of discovery) moves `version` on, and a lane that found nothing due waits here for the next page
 * instead of ending while Autotask is still being read.
 *
 * Until the feed ends, a claim takes only the invoices whose company this run has already linked to its
 * Xero contact (`narrow`): the contacts of later pages are resolved in one pass once discovery is over,
 * as they were before the push ran beside discovery, instead of a few look-ups in every batch.
 *
 * Discovery stays at most `ahead` records ahead of the push (`room`): a product of 10,000 invoices
 * stores them as Xero takes them, not all in its first seconds while other products' runs wait for
 * the worker. It reads on whenever a push lane has found nothing to claim, so records the push cannot
 * take yet (a company not resolved until discovery ends) never hold it, nor does a push that ended.
 */
export class DiscoveryFeed {
  /** Pages stored, counted: read it before looking for work, then wait `beyond` it. */
  version = 0
  private ended = false
  private failure = false
  private waiting: (() => void)[] = []
  /** records stored and not claimed yet (as far as the push has told) */
  private backlog = 0
  /** push lanes waiting for more: the push is not held up by what is stored */
  private hungry = 0
  /** the push will claim no more in this run: nothing to wait for */
  private unheld = false
  private roomWaiting: (() => void)[] = []

  /**
   * @param resolved each company's contact as the run resolved it, by Autotask id (RunContext.contacts)
   * @param ahead records discovery stores ahead of the push before it waits
   */
  constructor(
    private resolved: ReadonlyMap<number, unknown>,
    private ahead = syncConfig.discoveryAhead
  ) {}

  /** More records were stored (a page, or the numbers discovery gave waiting invoices): look again. */
  stored(pending = 0) {
    this.backlog += pending
    this.version++
    this.wake()
  }

  /** The push claimed `count` records. */
  taken(count: number) {
    this.backlog = Math.max(0, this.backlog - count)
    this.wakeRoom()
  }

  /** The push has ended (or never started): discovery reads on without waiting for it. */
  unhold() {
    this.unheld = true
    this.wakeRoom()
  }

  /** Resolves once discovery may store more: the push has caught up, is waiting for more, or has ended. */
  async room() {
    while (!this.ended && !this.unheld && this.hungry === 0 && this.backlog >= this.ahead) {
      await new Promise<void>((resolve) => this.roomWaiting.push(resolve))
    }
  }

  /** Nothing more will come; every record is claimable. `failed`: discovery stopped on an error, so the push stops too. */
  end(failed = false) {
    if (this.ended) return
    this.ended = true
    this.failure = failed
    this.version++
    this.wake()
  }

  /** Discovery (or its last contact pass) still runs: a lane claims only whole batches meanwhile. */
  get open() {
    return !this.ended
  }

  get failed() {
    return this.failure
  }

  /**
   * True once something was stored after `seen` (look again), false once the feed has ended with
   * nothing new since `seen` (nothing more will come). A `hungry` lane's wait lets discovery read on
   * (see `room`); the credit notes' lane, idle on most runs, waits without it.
   */
  async beyond(seen: number, hungry = true): Promise<boolean> {
    if (this.version !== seen || this.ended) return this.version !== seen
    if (hungry) {
      this.hungry++
      this.wakeRoom()
    }
    while (this.version === seen && !this.ended) {
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    if (hungry) this.hungry--
    return this.version !== seen
  }

  /** A claim's query, narrowed while the feed runs to records whose company is resolved (or that name none). */
  narrow(query: any) {
    if (this.ended || this.resolved.size > NARROW_UP_TO) return query
    const companies = [...this.resolved.keys()]
    return query.where((q: any) =>
      companies.length
        ? q.whereNull('autotask_company_id').orWhereIn('autotask_company_id', companies)
        : q.whereNull('autotask_company_id')
    )
  }

  private wake() {
    const waiting = this.waiting
    this.waiting = []
    for (const resolve of waiting) resolve()
    this.wakeRoom()
  }

  private wakeRoom() {
    const waiting = this.roomWaiting
    this.roomWaiting = []
    for (const resolve of waiting) resolve()
  }
}
