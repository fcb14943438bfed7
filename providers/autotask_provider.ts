import type { ApplicationService } from '@adonisjs/core/types'
import { AutotaskClient } from '#integrations/autotask/autotask_client'
import { HttpAutotaskClient } from '#integrations/autotask/http_autotask_client'
import type autotaskConfig from '#config/autotask'

/** Binds the Autotask contract to the axios client; `connect()` it with a product's credentials. */
export default class AutotaskProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton(AutotaskClient, async () => {
      // Loaded here, not at the top: its database service is ready only once the app has booted.
      const { AutotaskBudget } = await import('#integrations/autotask/autotask_budget')
      const config = this.app.config.get<typeof autotaskConfig>('autotask')
      // Shared with every process through the database: workers and web actions keep Autotask's limits together.
      const budget = new AutotaskBudget({ ...config.limits, slotMs: config.timeoutMs + 5000 })
      return new HttpAutotaskClient(config, null, budget)
    })
  }
}
