import { inject } from '@adonisjs/core'
import { AutotaskClient, autotaskCredentialsOf } from '#integrations/autotask/autotask_client'
import { XeroGateway } from '#integrations/xero/xero_gateway'
import type { XeroConnection } from '#integrations/xero/xero_connection'
import Product from '#models/product'

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

/**
 * The product as the Xero integration sees it. Reads stay live on the instance, and what the token store
 * writes (rotated tokens, health) is copied back into it without marking it dirty, as a reload would.
 */
export function xeroConnectionOf(product: Product): XeroConnection {
  const adopt = (
    from: Partial<Pick<Product, 'xeroTokens' | 'xeroHealth' | 'xeroHealthMessage'>>
  ) => {
    for (const [key, value] of Object.entries(from)) {
      product.$attributes[key] = value
      product.$original[key] = value
    }
  }
  const stored = () => Product.query().where('id', product.id).firstOrFail()
  return {
    productId: product.id,
    get tenantId() {
      return product.xeroTenantId
    },
    get tokens() {
      return product.xeroTokens
    },
    record: {
      async reload() {
        const { xeroTokens, xeroHealth, xeroHealthMessage } = await stored()
        adopt({ xeroTokens, xeroHealth, xeroHealthMessage })
        return xeroTokens
      },
      async saveTokens(tokens) {
        const fresh = await stored()
        fresh.merge({ xeroTokens: tokens, xeroHealth: 'ok', xeroHealthMessage: null })
        await fresh.save()
        adopt({ xeroTokens: fresh.xeroTokens, xeroHealth: 'ok', xeroHealthMessage: null })
      },
      async connect(tokens, tenant) {
        product.merge({
          xeroTokens: tokens,
          xeroTenantId: tenant.tenantId,
          xeroTenantName: tenant.tenantName,
          xeroHealth: 'ok',
          xeroHealthMessage: null,
        })
        await product.save()
      },
      async markDisconnected(message) {
        await Product.query()
          .where('id', product.id)
          .update({ xero_health: 'error', xero_health_message: message })
        adopt({ xeroHealth: 'error', xeroHealthMessage: message })
      },
    },
  }
}
