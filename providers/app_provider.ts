import type { ApplicationService } from '@adonisjs/core/types'
import { Clock, SystemClock } from '#sync/clock'

/** Binds the app's own abstractions to their production implementations. */
export default class AppProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton(Clock, () => new SystemClock())
  }
}
