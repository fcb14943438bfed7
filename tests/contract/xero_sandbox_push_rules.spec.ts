import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import {
  connectedProduct,
  knob,
  startStrictXeroSandbox,
  xeroStackFor,
} from '#tests/helpers/xero_sandbox'
import {
  API_PREFIX,
  XERO_SANDBOX_ACCOUNT_CODES,
  XERO_SANDBOX_TAX_TYPES,
  XERO_SANDBOX_TENANTS,
  type XeroSandbox,
} from '#sandbox/xero/index'
import { XeroRateLimitError, XeroRequestTooLargeError } from '#integrations/xero/errors'
import { XERO_MAX_REQUEST_BYTES, type XeroInvoiceInput } from '#integrations/xero/xero_gateway'
import { xeroConnectionOf } from '#sync/product_connections'
import { rejection } from '#tests/helpers/assertions'

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

function invoice(number: string, lines = 1, description = 'Managed services'): XeroInvoiceInput {
  return {
    type: 'ACCREC',
    contact: { contactNumber: '1001', name: 'Acme Manufacturing Ltd' },
    invoiceNumber: number,
    date: '2024-05-01',
    status: 'AUTHORISED',
    lineAmountTypes: 'Exclusive',
    lineItems: Array.from({ length: lines }, () => ({
      description,
      quantity: '1',
      unitAmount: '10',
      accountCode: XERO_SANDBOX_ACCOUNT_CODES.sales,
      taxType: XERO_SANDBOX_TAX_TYPES.gstOnIncome,
    })),
  }
}

test.group('Xero sandbox: what a push may send', (group) => {
  let sandbox: XeroSandbox
  group.each.setup(async () => {
    await resetDatabase()
    sandbox = await startStrictXeroSandbox()
    return () => sandbox.close()
  })

  test('an approved invoice is never moved back to DRAFT, as Xero refuses it', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const [created] = await gateway.createInvoices(xeroConnectionOf(product), [invoice('AP-1')], {
      idempotencyKey: 'create-ap-1',
    })
    assert.isTrue(created.ok)
    const invoiceId = created.ok ? created.value.invoiceId : ''

    const [back] = await gateway.updateInvoices(
      xeroConnectionOf(product),
      [{ ...invoice('AP-1'), invoiceId, status: 'DRAFT' }],
      {
        idempotencyKey: 'back-to-draft',
      }
    )
    assert.deepEqual(back.ok ? [] : back.messages, [
      'Invoice status cannot be changed from AUTHORISED to DRAFT.',
    ])
    assert.equal(
      sandbox.state.invoices(NZ).find((inv) => inv.InvoiceID === invoiceId)!.Status,
      'AUTHORISED'
    )
  })

  test('a request body over 3.5 MB is answered 413, its Idempotency-Key recorded; the gateway never sends one', async ({
    assert,
  }) => {
    const connection = sandbox.state.connect([NZ])
    const body = JSON.stringify({ Invoices: [invoice('BIG-1', 1200, 'x'.repeat(3000))] })
    assert.isAbove(Buffer.byteLength(body), XERO_MAX_REQUEST_BYTES)
    const response = await fetch(`${sandbox.url}${API_PREFIX}/Invoices?summarizeErrors=false`, {
      method: 'PUT',
      headers: {
        'authorization': `Bearer ${connection.accessToken}`,
        'xero-tenant-id': NZ,
        'content-type': 'application/json',
        'idempotency-key': 'too-big-1',
      },
      body,
    })
    assert.equal(response.status, 413)
    const logged = sandbox.state.requestLog.at(-1)!
    assert.equal(logged.status, 413)
    assert.equal(logged.idempotencyKey, 'too-big-1')
    assert.lengthOf(sandbox.state.invoices(NZ), 0)

    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const requestsBefore = sandbox.state.requestLog.length
    const huge = [invoice('BIG-2', 1200, 'x'.repeat(3000))]
    assert.isAbove(gateway.invoiceRequestBytes(huge), XERO_MAX_REQUEST_BYTES)
    const error = await rejection(
      gateway.createInvoices(xeroConnectionOf(product), huge, { idempotencyKey: 'too-big-2' })
    )
    assert.instanceOf(error, XeroRequestTooLargeError)
    assert.equal(sandbox.state.requestLog.length, requestsBefore, 'nothing was sent')
  }).timeout(60_000)

  test("the gateway's request size is the body xero-node sends, to the byte", async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    const batch = [invoice('SZ-1', 3, 'Übergabe – 10 × 2 "quoted"'), invoice('SZ-2', 2)]
    // The sandbox keeps no body sizes: a bare server counts what the socket delivers.
    let received = -1
    const probe = createServer((request, response) => {
      let bytes = 0
      request.on('data', (chunk: Buffer) => (bytes += chunk.length))
      request.on('end', () => {
        received = bytes
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ Invoices: [] }))
      })
    })
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as AddressInfo
    try {
      const probing = xeroStackFor(sandbox, { apiUrl: `http://127.0.0.1:${port}${API_PREFIX}` })
      await probing.gateway.createInvoices(xeroConnectionOf(product), batch, {
        idempotencyKey: 'size-probe',
      })
    } finally {
      await new Promise<void>((resolve) => probe.close(() => resolve()))
    }
    assert.equal(gateway.invoiceRequestBytes(batch), received)
  })

  test('a 429 fault can leave Retry-After out; the gateway then waits a second for the concurrent limit', async ({
    assert,
  }) => {
    const { gateway } = xeroStackFor(sandbox)
    const product = await connectedProduct(sandbox)
    await knob(sandbox, '/faults', {
      kind: 429,
      count: 1,
      path: '/Invoices',
      problem: 'concurrent',
      withoutRetryAfter: true,
    })
    const error = await rejection(
      gateway.getInvoicesByNumbers(xeroConnectionOf(product), ['NONE-1'])
    )
    assert.instanceOf(error, XeroRateLimitError)
    assert.equal((error as XeroRateLimitError).problem, 'concurrent')
    assert.equal((error as XeroRateLimitError).retryAfterSeconds, 1)
  })
})
