import { DateTime } from 'luxon'

/**
 * Time, injected: leases, back-off and schedules are tested by moving a clock,
 * never by sleeping. The container binds the system clock; tests swap in a FixedClock.
 */
export abstract class Clock {
  abstract now(): DateTime
}

export class SystemClock extends Clock {
  now() {
    return DateTime.utc()
  }
}

/** A clock that only moves when told to. */
export class FixedClock extends Clock {
  constructor(private current: DateTime = DateTime.utc()) {
    super()
  }

  now() {
    return this.current
  }

  advance(duration: { seconds?: number; minutes?: number; hours?: number }) {
    this.current = this.current.plus(duration)
    return this
  }
}
