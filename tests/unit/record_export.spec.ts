import { test } from '@japa/runner'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Readable, type Duplex } from 'node:stream'
import { PassThrough } from 'node:stream'
import RecordExportService, { zipBacklogOf } from '#services/record_export_service'
import type { RecordRow } from '#services/record_list_service'
import { timerTurns, until } from '#tests/helpers/until'

/** `total` rows made on demand, with a record of how many were asked for and whether the reader closed them. */
function rowSource(total: number) {
  const seen = { made: 0, closed: false }
  async function* rows(): AsyncGenerator<RecordRow> {
    try {
      for (let i = 1; i <= total; i++) {
        seen.made++
        // A database chunk arrives now and then, as in RecordListService.stream.
        if (i % 1000 === 0) await sleep(0)
        yield {
          id: i,
          autotaskId: 29_000_000 + i,
          number: `INV-${i}`,
          party: `Company ${i % 300} Ltd`,
          date: '2026-11-01',
          total: '1234.5',
          currency: 'NZD',
          status: 'synced',
          statusLabel: 'Synced',
          xeroNumber: `X-${i}`,
          xeroId: null,
          faultReason: null,
        }
      }
    } finally {
      seen.closed = true
    }
  }
  return { rows: rows(), seen }
}

async function bytesOf(stream: Readable) {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

/** Reads the first 64 KB, then hangs up: for-await's break destroys the stream, as a closed socket does. */
async function readThenHangUp(stream: Readable) {
  let received = 0
  for await (const chunk of stream) {
    received += chunk.length
    if (received > 64 * 1024) break
  }
}

test.group('Record exports', () => {
  test('the Excel file holds every row and parses', async ({ assert }) => {
    const { rows, seen } = rowSource(2500)
    const file = await bytesOf(new RecordExportService().xlsx('invoice', rows))
    const { default: ExcelJS } = await import('exceljs')
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(file as any)
    const sheet = workbook.getWorksheet('Invoices')!
    assert.equal(sheet.rowCount, 2501)
    assert.deepEqual((sheet.getRow(1).values as any[]).slice(1, 3), [
      'Autotask ID',
      'Invoice number',
    ])
    assert.deepEqual((sheet.getRow(2501).values as any[]).slice(1, 3), [29_002_500, 'INV-2500'])
    assert.isTrue(seen.closed)
  })

  test('an Excel export nobody reads stops making rows instead of buffering the file', async ({
    assert,
  }) => {
    const { rows, seen } = rowSource(100_000)
    const output = new RecordExportService().xlsx('invoice', rows)
    // The file fills the stream's buffer; from then on the export must wait for a reader that never comes.
    assert.isTrue(
      await until(() => (output as Duplex).writableNeedDrain, { timeoutMs: 30_000 }),
      'the output never filled'
    )
    // At most the row in hand when the buffer filled is still made; a free-running source would make 1,000 a turn.
    const madeWhenFull = seen.made
    await timerTurns(200)
    assert.isBelow(seen.made, 100_000)
    assert.isAtMost(seen.made - madeWhenFull, 1, 'rows kept coming while the reader was stalled')
    output.destroy()
    assert.isTrue(
      await until(() => seen.closed),
      'the row source was not closed after the client went away'
    )
  })

  test("exceljs's zip still shows the rows it has not compressed, which the export waits for", async ({
    assert,
  }) => {
    const { default: ExcelJS } = await import('exceljs')
    const output = new PassThrough()
    output.resume()
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output })
    const sheet = workbook.addWorksheet('Invoices')
    // Rows made without waiting: exceljs hands them to the zip faster than zlib takes them.
    let queued = 0
    for (let i = 0; i < 20_000 && queued === 0; i++) {
      sheet.addRow([i, `INV-${i}`, 'Harbour Plumbing Ltd', 123.45]).commit()
      queued = zipBacklogOf(sheet).length
    }
    assert.equal(
      queued,
      1,
      'no zip entry stream was found waiting: the export would no longer wait for zlib'
    )
    const [entry] = zipBacklogOf(sheet)
    await new Promise((resolve) => entry.once('drain', resolve))
    assert.lengthOf(zipBacklogOf(sheet), 0)
    sheet.commit()
    await workbook.commit()
  })

  test('a client that goes away mid-file stops the Excel export and closes the rows', async ({
    assert,
  }) => {
    const { rows, seen } = rowSource(100_000)
    await readThenHangUp(new RecordExportService().xlsx('invoice', rows))
    assert.isTrue(
      await until(() => seen.closed),
      'the row source was not closed after the client went away'
    )
    assert.isBelow(seen.made, 100_000)
  })

  test('a client that goes away stops the CSV export and closes the rows', async ({ assert }) => {
    const { rows, seen } = rowSource(100_000)
    await readThenHangUp(new RecordExportService().csv('invoice', rows))
    assert.isTrue(await until(() => seen.closed))
    assert.isBelow(seen.made, 100_000)
  })

  test('CSV quotes fields and defuses spreadsheet formulas', async ({ assert }) => {
    async function* rows(): AsyncGenerator<RecordRow> {
      yield {
        id: 1,
        autotaskId: 1,
        number: '=HYPERLINK("x")',
        party: 'Smith, Jones & "Co"',
        date: null,
        total: '-5',
        currency: 'NZD',
        status: 'fault',
        statusLabel: 'Fault',
        xeroNumber: null,
        faultReason: 'line one\nline two',
      }
    }
    const text = (await bytesOf(new RecordExportService().csv('invoice', rows()))).toString('utf8')
    const [, line] = text.replace(/^\uFEFF/, '').split('\r\n')
    assert.equal(
      line,
      `1,"'=HYPERLINK(""x"")","Smith, Jones & ""Co""",,NZD,-5,Fault,,,,,"line one\nline two"`
    )
  })

  test('CSV defuses the full-width formula signs spreadsheets also accept, and the header row', async ({
    assert,
  }) => {
    async function* rows(): AsyncGenerator<RecordRow> {
      yield {
        id: 1,
        autotaskId: 2,
        number: '\uFF1D1+1',
        party: '\uFF20SUM(A1)',
        date: '2026-11-01',
        total: '10',
        currency: 'NZD',
        status: 'fault',
        statusLabel: 'Fault',
        xeroNumber: '-1',
        faultReason: '\uFF0Bcmd',
      }
    }
    const text = (await bytesOf(new RecordExportService().csv('invoice', rows()))).toString('utf8')
    const [header, line, end] = text.replace(/^\uFEFF/, '').split('\r\n')
    assert.equal(
      header,
      'Autotask ID,Invoice number,Company,Date,Currency,Total,Status,Payment,Xero document,Xero number,Xero ID,Fault reason'
    )
    assert.equal(line, `2,'\uFF1D1+1,'\uFF20SUM(A1),2026-11-01,NZD,10,Fault,,,'-1,,'\uFF0Bcmd`)
    assert.equal(end, '')
  })

  test('a credit note and a part-paid invoice say so in the Payment and Xero document columns', async ({
    assert,
  }) => {
    const row = (over: Partial<RecordRow>): RecordRow => ({
      id: 1,
      autotaskId: 7,
      number: '10003',
      party: 'Acme Ltd',
      date: '2026-11-01',
      total: '-115',
      currency: 'NZD',
      status: 'synced',
      statusLabel: 'Synced',
      xeroNumber: '10003',
      xeroId: null,
      faultReason: null,
      ...over,
    })
    async function* rows(): AsyncGenerator<RecordRow> {
      yield row({ document: 'Credit note', payment: 'Paid 2026-11-20' })
      yield row({ total: '40', document: 'Invoice', payment: 'Part paid (due 30.00)' })
    }
    const text = (await bytesOf(new RecordExportService().csv('invoice', rows()))).toString('utf8')
    const [, credit, invoice] = text.replace(/^\uFEFF/, '').split('\r\n')
    assert.equal(
      credit,
      '7,10003,Acme Ltd,2026-11-01,NZD,-115,Synced,Paid 2026-11-20,Credit note,10003,,'
    )
    assert.equal(
      invoice,
      '7,10003,Acme Ltd,2026-11-01,NZD,40,Synced,Part paid (due 30.00),Invoice,10003,,'
    )
    const orders = await bytesOf(new RecordExportService().csv('purchase_order', rows()))
    assert.notInclude(
      orders.toString('utf8'),
      'Xero document',
      'purchase orders have no such column'
    )
  })
})
