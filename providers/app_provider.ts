import { HttpResponse } from '@adonisjs/core/http'
import type { ApplicationService } from '@adonisjs/core/types'
import { Clock, SystemClock } from '#sync/clock'

/** Binds the app's own abstractions to their production implementations. */
export default class AppProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton(Clock, () => new SystemClock())
  }

  boot() {
    HttpResponse.macro('redirectWithHtmx', function (this: HttpResponse, url: string) {
      if (this.request.headers['hx-request'] === 'true') {
        this.header('HX-Redirect', url)
        return this.noContent()
      }
      return this.redirect(url)
    })
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpResponse {
    /** A whole-page change after an action: HX-Redirect for htmx, a 302 otherwise. */
    redirectWithHtmx(url: string): void
  }
}
