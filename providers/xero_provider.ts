import type { ApplicationService } from '@adonisjs/core/types'
import { XeroGateway } from '#integrations/xero/xero_gateway'
import { XeroOAuth } from '#integrations/xero/xero_oauth'
import { XeroTokenStore } from '#integrations/xero/token_store'
import type { XeroConfig } from '#config/xero'

/** Binds the Xero contract to the xero-node gateway, with its OAuth helper and token store. */
export default class XeroProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton(
      XeroOAuth,
      () => new XeroOAuth(this.app.config.get<XeroConfig>('xero'))
    )
    this.app.container.singleton(XeroTokenStore, async (resolver) => {
      const lock = await resolver.make('lock.manager')
      const config = this.app.config.get<XeroConfig>('xero')
      return new XeroTokenStore(await resolver.make(XeroOAuth), lock, {
        refreshAheadSeconds: config.refreshAheadSeconds,
      })
    })
    this.app.container.singleton(XeroGateway, async (resolver) => {
      // xero-node holds 12 MB of heap once loaded: a process loads it when it first talks to Xero, not when it boots.
      const { XeroNodeGateway } = await import('#integrations/xero/xero_node_gateway')
      const { XeroBudget } = await import('#integrations/xero/xero_budget')
      const { default: syncConfig } = await import('#config/sync')
      const config = this.app.config.get<XeroConfig>('xero')
      return new XeroNodeGateway(
        config,
        await resolver.make(XeroTokenStore),
        await resolver.make(XeroOAuth),
        // Shared with every process through the database: workers and web actions pace together.
        new XeroBudget({ ...syncConfig.xeroLimits, slotMs: config.timeoutMs + 5000 })
      )
    })
  }
}
