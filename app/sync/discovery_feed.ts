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
 */
export class DiscoveryFeed {
  /** Pages stored, counted: read it before looking for work, then wait `beyond` it. */
  version = 0
  private ended = false
  private failure = false
  private waiting: (() => void)[] = []

  /** @param resolved each company's contact as the run resolved it, by Autotask id (RunContext.contacts) */
  constructor(private resolved: ReadonlyMap<number, unknown>) {}

  /** More records were stored (a page, or the numbers discovery gave waiting invoices): look again. */
  stored() {
    this.version++
    this.wake()
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
   * nothing new since `seen` (nothing more will come).
   */
  async beyond(seen: number): Promise<boolean> {
    while (this.version === seen && !this.ended) {
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
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
  }
}
