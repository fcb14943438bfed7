import { inject } from '@adonisjs/core'
import { AutotaskClient, autotaskCredentialsOf } from '#integrations/autotask/autotask_client'
import { XeroGateway } from '#integrations/xero/xero_gateway'
import type Product from '#models/product'

export type Connections =
  | { ok: true; autotask: AutotaskClient; xero: XeroGateway }
  | { ok: false; reason: string; system: 'autotask' | 'xero' }

/** The two ends of a product's sync: its Autotask client (with its credentials) and the Xero gateway. */
@inject()
export default class ProductConnections {
  constructor(
    protected autotask: AutotaskClient,
    protected xero: XeroGateway
  ) {}

  for(product: Product): Connections {
    const credentials = autotaskCredentialsOf(product)
    if (!credentials) {
      return {
        ok: false,
        system: 'autotask',
        reason: 'The product has no Autotask credentials yet: add them in its set-up.',
      }
    }
    if (!product.xeroTokens || !product.xeroTenantId) {
      return {
        ok: false,
        system: 'xero',
        reason:
          'The product is not connected to a Xero organisation yet: connect it in its set-up.',
      }
    }
    return { ok: true, autotask: this.autotask.connect(credentials), xero: this.xero }
  }
}
