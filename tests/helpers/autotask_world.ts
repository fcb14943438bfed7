import app from '@adonisjs/core/services/app'
import autotaskConfig from '#config/autotask'
import { AutotaskClient } from '#integrations/autotask/autotask_client'
import { HttpAutotaskClient } from '#integrations/autotask/http_autotask_client'
import {
  AUTOTASK_SANDBOX_USER,
  type AutotaskSandbox,
  type SandboxRequestLogEntry,
} from '#sandbox/autotask/index'
import { knob, startTestSandbox } from '#tests/contract/helpers/autotask_sandbox'
import { UserFactory } from '#database/factories/user_factory'
import { ProductFactory } from '#database/factories/product_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'

/**
 * The Autotask sandbox on a free port with the app's bound client pointed at it
 * (real HTTP), and helpers to read the sandbox's own request log.
 */
export async function useAutotaskSandbox() {
  const sandbox = await startTestSandbox()
  app.container.swap(
    AutotaskClient,
    () => new HttpAutotaskClient({ ...autotaskConfig, zoneLookupUrl: sandbox.lookupUrl })
  )
  return {
    sandbox,
    /** Every API request the sandbox received, read over HTTP from its knob. */
    async requests(): Promise<SandboxRequestLogEntry[]> {
      return (
        await knob<{ requests: SandboxRequestLogEntry[] }>(sandbox, 'GET', '/requests?limit=10000')
      ).requests
    },
    /** The sandbox's InvoiceMarkupHtml requests, optionally for one invoice. */
    async markupRequests(autotaskId?: number) {
      const pattern = new RegExp(`/Invoices/${autotaskId ?? '\\d+'}/InvoiceMarkupHtml$`, 'i')
      return (await this.requests()).filter((request) => pattern.test(request.path))
    },
    /** A finished sandbox invoice (it has a number), for a record to point at. */
    numberedInvoice() {
      const invoice = sandbox.state
        .sorted('Invoices')
        .find((candidate) => candidate.invoiceNumber && !candidate.isVoided)
      if (!invoice) throw new Error('the sandbox seeded no numbered invoice')
      return { id: invoice.id as number, invoiceNumber: String(invoice.invoiceNumber) }
    },
    async close() {
      app.container.restore(AutotaskClient)
      await sandbox.close()
    },
  }
}

export type AutotaskWorld = Awaited<ReturnType<typeof useAutotaskSandbox>>

/** An owner, a product connected to the sandbox's API user, and an invoice record of a real sandbox invoice (no copy stored). */
export async function productWithSandboxInvoice(
  world: AutotaskWorld,
  role: 'owner' | 'viewer' = 'owner'
) {
  const user = await UserFactory.with('account').merge({ role }).create()
  const product = await ProductFactory.merge({
    accountId: user.accountId,
    name: 'Sandbox Books',
    autotaskUsername: AUTOTASK_SANDBOX_USER.username,
    autotaskSecret: AUTOTASK_SANDBOX_USER.secret,
    autotaskIntegrationCode: AUTOTASK_SANDBOX_USER.integrationCode,
  }).create()
  const source = world.numberedInvoice()
  const invoice = await InvoiceRecordFactory.merge({
    productId: product.id,
    autotaskId: source.id,
    invoiceNumber: source.invoiceNumber,
    autotaskHtml: null,
  }).create()
  return { user, product, invoice }
}

export type { AutotaskSandbox }
