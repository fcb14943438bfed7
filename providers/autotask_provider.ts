import type { ApplicationService } from '@adonisjs/core/types'
import { AutotaskClient } from '#integrations/autotask/autotask_client'
import type autotaskConfig from '#config/autotask'

/** Binds the Autotask contract to the axios client; `connect()` it with a product's credentials. */
export default class AutotaskProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton(AutotaskClient, async () => {
      // axios is loaded when a process first talks to Autotask, not when it boots.
      const { HttpAutotaskClient } = await import('#integrations/autotask/http_autotask_client')
      const config = this.app.config.get<typeof autotaskConfig>('autotask')
      return new HttpAutotaskClient(config)
    })
  }
}
