import { PassThrough, Readable, pipeline } from 'node:stream'
import type { HttpContext } from '@adonisjs/core/http'
import { stringify, type Options as StringifyOptions } from 'csv-stringify'
import { Decimal } from 'decimal.js'
import { recordKinds, type RecordKind } from '#sync/record_kinds'
import type { RecordRow } from '#services/record_list_service'

/** One column of an export: its heading and the cell of a row. */
export interface ExportColumn<T> {
  header: string
  value: (row: T) => string | number | null
}

/** The columns of an export, the same as the grid's plus ids a bookkeeper reconciles with. */
function columns(kind: RecordKind): ExportColumn<RecordRow>[] {
  const spec = recordKinds[kind]
  return [
    { header: 'Autotask ID', value: (r) => r.autotaskId },
    { header: spec.numberExportHeading, value: (r) => r.number },
    { header: spec.partyHeading, value: (r) => r.party },
    { header: 'Date', value: (r) => r.date },
    { header: 'Currency', value: (r) => r.currency },
    { header: 'Total', value: (r) => Number(new Decimal(r.total).toFixed(2)) },
    { header: 'Status', value: (r) => r.statusLabel },
    ...(kind === 'invoice'
      ? [
          { header: 'Payment', value: (r: RecordRow) => r.payment ?? null },
          { header: 'Xero document', value: (r: RecordRow) => r.document ?? null },
        ]
      : []),
    { header: 'Xero number', value: (r) => r.xeroNumber },
    { header: 'Xero ID', value: (r) => r.xeroId ?? null },
    { header: 'Fault reason', value: (r) => r.faultReason ?? null },
  ]
}

/**
 * RFC 4180 quoting with CRLF rows, a BOM for Excel, and a leading quote on text that a spreadsheet would run as a
 * formula (`escape_formulas`: `= + - @`, tab, CR and their full-width forms; negative numbers stay numbers).
 * Why: https://owasp.org/www-community/attacks/CSV_Injection
 */
const csvOptions: StringifyOptions = {
  bom: true,
  record_delimiter: 'windows',
  quote_record_delimiter: true,
  escape_formulas: true,
}

/** Exports of the current grid as streams: rows are written as they are read, never all held. */
export default class RecordExportService {
  /** The sheet's name and columns of a kind's export. */
  sheet(kind: RecordKind): ExportSheet<RecordRow> {
    return { sheet: recordKinds[kind].pluralTitle, columns: columns(kind) }
  }

  csv(kind: RecordKind, rows: AsyncIterable<RecordRow>): Readable {
    return csvStream(columns(kind), rows)
  }

  xlsx(kind: RecordKind, rows: AsyncIterable<RecordRow>): Readable {
    return xlsxStream(recordKinds[kind].pluralTitle, columns(kind), rows)
  }
}

export type ExportFormat = 'csv' | 'xlsx'

/** An export's Excel sheet name and its columns (the CSV has the same columns). */
export interface ExportSheet<T> {
  sheet: string
  columns: ExportColumn<T>[]
}

const contentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}

/**
 * Answers with an export as a download named `<name>-<date>.<format>` (today unless given), never
 * cached, streamed as its rows are read: the one way every page's CSV and Excel buttons answer.
 */
export function sendExport<T>(
  response: HttpContext['response'],
  download: ExportSheet<T> & {
    name: string
    format: ExportFormat
    rows: AsyncIterable<T>
    date?: string | null
  }
) {
  const date = download.date ?? new Date().toISOString().slice(0, 10)
  const fileName = `${download.name}-${date}.${download.format}`
  response.header('Content-Disposition', `attachment; filename="${fileName}"`)
  response.header('Cache-Control', 'no-store')
  response.header('Content-Type', contentTypes[download.format])
  return response.stream(
    download.format === 'csv'
      ? csvStream(download.columns, download.rows)
      : xlsxStream(download.sheet, download.columns, download.rows)
  )
}

/** A CSV of these columns, written row by row as `rows` yields them. */
export function csvStream<T>(cols: ExportColumn<T>[], rows: AsyncIterable<T>): Readable {
  async function* records() {
    yield cols.map((c) => c.header)
    for await (const record of rows) yield cols.map((c) => c.value(record))
  }
  // A client that goes away destroys the stringifier; pipeline then ends `records`, which closes `rows`.
  return pipeline(Readable.from(records()), stringify(csvOptions), () => {})
}

/** An Excel workbook of one sheet of these columns, streamed with back-pressure. */
export function xlsxStream<T>(
  sheetName: string,
  cols: ExportColumn<T>[],
  rows: AsyncIterable<T>
): Readable {
  const output = new PassThrough()
  ;(async () => {
    // exceljs holds 7 MB of heap once loaded: only a process that writes a workbook loads it.
    const { default: ExcelJS } = await import('exceljs')
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: output,
      useStyles: false,
      useSharedStrings: false,
    })
    const sheet = workbook.addWorksheet(sheetName)
    sheet.columns = cols.map((c) => ({ header: c.header, width: 18 }))
    for await (const record of rows) {
      // A client that went away destroys the stream: stop reading rows (leaving the loop closes `rows`).
      if (output.destroyed) return
      sheet.addRow(cols.map((c) => c.value(record))).commit()
      // Back-pressure: when the client reads slower than rows are made, wait for it instead of buffering the file;
      // and when zlib compresses slower than rows are made, wait for it too (see zipBacklogOf).
      if (output.writableNeedDrain) await drainedOrClosed(output)
      for (const entry of zipBacklogOf(sheet)) await drainedOrClosed(entry, output)
    }
    if (output.destroyed) return
    sheet.commit()
    await workbook.commit()
  })().catch((error) => output.destroy(error))
  return output
}

/**
 * The zip's entry streams that hold more of this sheet than they asked for. exceljs 4's sheet stream (a StreamBuf)
 * hands each 64 KB of rows to them without looking at what `write` answers, so rows made faster than zlib
 * compresses them queued there: up to 5.4 MB of a 100,000-row sheet in a bare script (peak RSS 166 MB), 64 KB
 * when the loop waits for them (144 MB), in the same time. exceljs keeps them in `stream.pipes`, streams of
 * readable-stream whose state is `_writableState`; without those there is nothing to wait for.
 */
export function zipBacklogOf(sheet: object): PassThrough[] {
  const pipes = (sheet as { stream?: { pipes?: unknown } }).stream?.pipes
  if (!Array.isArray(pipes)) return []
  return pipes.filter((pipe) => pipe?._writableState?.needDrain === true)
}

/**
 * Resolves when the stream wants more, or when it or `alsoClosed` (the download) is closed: a `drain` never
 * comes to a destroyed stream.
 */
function drainedOrClosed(stream: PassThrough, alsoClosed: PassThrough = stream) {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      alsoClosed.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
    alsoClosed.on('close', done)
  })
}
