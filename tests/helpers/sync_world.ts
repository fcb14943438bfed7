import app from '@adonisjs/core/services/app'
import autotaskConfig from '#config/autotask'
import { AutotaskClient } from '#integrations/autotask/autotask_client'
import {
  HttpAutotaskClient,
  type HttpAutotaskClientOptions,
} from '#integrations/autotask/http_autotask_client'
import { XeroGateway } from '#integrations/xero/xero_gateway'
import { startAutotaskSandbox, type AutotaskSandboxOptions } from '#sandbox/autotask/index'
import type { XeroSandboxOptions } from '#sandbox/xero/index'
import type { XeroConfig } from '#config/xero'
import type { XeroBudget } from '#integrations/xero/xero_budget'
import SandboxSetup from '#sandbox/setup'
import Product from '#models/product'
import { connectedProduct, startStrictXeroSandbox, xeroStackFor } from '#tests/helpers/xero_sandbox'
import { Clock, FixedClock } from '#sync/clock'
import SyncRunner from '#sync/sync_runner'

/**
 * Both sandboxes on ephemeral ports, the app's Autotask client and Xero gateway
 * bound to them (real sockets, real SDKs), a fixed clock, and an Active product
 * connected to both and mapped like a real set-up (region "VAT UK" left unmapped).
 */
export async function startSyncWorld(
  options: {
    autotask?: AutotaskSandboxOptions
    xero?: XeroSandboxOptions
    autotaskClient?: Partial<HttpAutotaskClientOptions>
    xeroClient?: Partial<XeroConfig>
    /** the shared per-organisation budget the gateway paces its calls by (none: only Xero's 429s) */
    xeroBudget?: XeroBudget
  } = {}
) {
  const autotask = await startAutotaskSandbox({
    port: 0,
    invoices: 30,
    companies: 12,
    largeInvoiceLines: 0,
    slowdownLatencyMs: { over50: 0, over75: 0 },
    ...options.autotask,
  })
  const xero = await startStrictXeroSandbox({
    limits: { perMinute: 1000, concurrent: 5, perDay: 5000 },
    ...options.xero,
  })
  const stack = xeroStackFor(xero, options.xeroClient, options.xeroBudget ?? null)
  const clock = new FixedClock()
  app.container.swap(
    AutotaskClient,
    () =>
      new HttpAutotaskClient({
        ...autotaskConfig,
        ...options.autotaskClient,
        zoneLookupUrl: autotask.lookupUrl,
      })
  )
  app.container.swap(XeroGateway, () => stack.gateway)
  app.container.swap(Clock, () => clock)

  const connected = await connectedProduct(xero)
  const product = await Product.findOrFail(connected.id)
  product.merge({ name: 'Sandbox Books', status: 'active', settings: { daysBack: 90 } })
  await new SandboxSetup().connect(product, product.xeroTokens!)

  return {
    autotask,
    xero,
    stack,
    clock,
    product,
    /** One pass of the engine, as `sync:run` does it. */
    async run(trigger: 'console' | 'schedule' = 'console') {
      const runner = await app.container.make(SyncRunner)
      return runner.run(await Product.findOrFail(product.id), trigger, 'test')
    },
    async close() {
      app.container.restore(AutotaskClient)
      app.container.restore(XeroGateway)
      app.container.restore(Clock)
      await autotask.close()
      await xero.close()
    },
  }
}

/**
 * Turns purchase orders on for a product as its Settings page would: Autotask's "Submitted" (2) triggers
 * the sync, lines go to account 300 at INPUT2, as Xero purchase orders or as bills.
 */
export async function enablePurchaseOrders(
  productId: number,
  documentType: 'PURCHASEORDER' | 'BILL'
) {
  const product = await Product.findOrFail(productId)
  product.settings = {
    ...(product.settings ?? {}),
    purchaseOrders: {
      enabled: true,
      documentType,
      triggerStatus: 2,
      accountCode: '300',
      taxType: 'INPUT2',
    },
  }
  await product.save()
}
