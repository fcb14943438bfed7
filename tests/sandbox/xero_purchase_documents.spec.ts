import { test } from '@japa/runner'
import {
  startXeroSandbox,
  XERO_SANDBOX_ACCOUNT_CODES,
  XERO_SANDBOX_TENANTS,
} from '#sandbox/xero/index'
import { knob } from '#tests/helpers/xero_sandbox'

/*
| The Xero sandbox's purchase orders and bills: PO numbers are unique per
| organisation, bill numbers are not (so a number never names the bill to
| update), and a write can lose its answer after Xero did it.
*/

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

async function sandboxWithToken(cleanup: (fn: () => Promise<void>) => void) {
  const sandbox = await startXeroSandbox({ port: 0 })
  cleanup(() => sandbox.close())
  const { accessToken } = sandbox.state.connect([NZ])
  const call = async (method: string, path: string, body?: unknown, signal?: AbortSignal) => {
    const answer = await fetch(`${sandbox.apiUrl}${path}`, {
      method,
      headers: {
        'authorization': `Bearer ${accessToken}`,
        'xero-tenant-id': NZ,
        'accept': 'application/json',
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    })
    return { status: answer.status, body: (await answer.json()) as any }
  }
  return { sandbox, call }
}

const line = {
  Description: 'Switch',
  Quantity: 1,
  UnitAmount: 100,
  AccountCode: XERO_SANDBOX_ACCOUNT_CODES.purchases,
}

function order(number: string) {
  return { PurchaseOrderNumber: number, Contact: { Name: 'Ingram Micro' }, LineItems: [line] }
}

function bill(number: string) {
  const contact = { Name: 'Ingram Micro' }
  return {
    Type: 'ACCPAY',
    InvoiceNumber: number,
    Reference: number,
    Contact: contact,
    LineItems: [line],
  }
}

test.group('Xero sandbox: purchase orders and bills', () => {
  test('a second purchase order with a taken number is refused, in any case; its own number is kept on update', async ({
    assert,
    cleanup,
  }) => {
    const { call } = await sandboxWithToken(cleanup)
    const first = await call('PUT', '/PurchaseOrders?summarizeErrors=false', {
      PurchaseOrders: [order('PO-77')],
    })
    assert.equal(first.status, 200)
    const id = first.body.PurchaseOrders[0].PurchaseOrderID

    for (const number of ['PO-77', 'po-77']) {
      const again = await call('POST', '/PurchaseOrders?summarizeErrors=false', {
        PurchaseOrders: [order(number)],
      })
      assert.deepEqual(again.body.PurchaseOrders[0].ValidationErrors, [
        { Message: 'Purchase Order # must be unique.' },
      ])
    }
    const pair = { PurchaseOrders: [order('PO-78'), order('PO-78')] }
    const twice = await call('PUT', '/PurchaseOrders?summarizeErrors=false', pair)
    assert.isFalse(Boolean(twice.body.PurchaseOrders[0].HasErrors))
    assert.isTrue(twice.body.PurchaseOrders[1].HasErrors, 'the second of one batch is refused too')

    const same = { ...order('PO-77'), PurchaseOrderID: id }
    const update = await call('POST', '/PurchaseOrders', { PurchaseOrders: [same] })
    assert.equal(update.status, 200)
    const byNumber = await call('GET', '/PurchaseOrders/PO-77')
    assert.equal(byNumber.body.PurchaseOrders[0].PurchaseOrderID, id)
  })

  test('a bill number names no bill: a POST without an id creates a second bill with the same number', async ({
    assert,
    cleanup,
  }) => {
    const { call, sandbox } = await sandboxWithToken(cleanup)
    await call('POST', '/Invoices', { Invoices: [bill('PO-77')] })
    const second = await call('POST', '/Invoices', { Invoices: [bill('PO-77')] })
    assert.equal(second.status, 200)
    const bills = sandbox.state
      .invoices(NZ)
      .filter((i) => i.Type === 'ACCPAY' && i.InvoiceNumber === 'PO-77')
    assert.lengthOf(bills, 2)
  })

  test('a lost answer: the write is done, the client hears nothing', async ({
    assert,
    cleanup,
  }) => {
    const { call, sandbox } = await sandboxWithToken(cleanup)
    await knob(sandbox, '/faults', { kind: 'lost', path: '/PurchaseOrders' })
    const waited = call(
      'PUT',
      '/PurchaseOrders',
      { PurchaseOrders: [order('PO-90')] },
      AbortSignal.timeout(500)
    )
    await assert.rejects(() => waited)
    assert.deepEqual(
      sandbox.state.purchaseOrders(NZ).map((o) => o.PurchaseOrderNumber),
      ['PO-90']
    )
  })
})
