/*
| What the bot says: alert messages (Block Kit) and answers. Pure functions of
| plain data, so the same words reach Slack, the sandbox and the tests.
*/
import { recordKinds, type RecordKind } from '#sync/record_kinds'

export const ACTION_RESYNC = 'toolbox_resync'
export const ACTION_SKIP = 'toolbox_skip'
export const ACTION_OPEN = 'toolbox_open'

/** One faulted record as an alert shows it. */
export interface AlertLine {
  kind: RecordKind
  /** what this record is in running text: "invoice", "credit note" (a negative invoice), "purchase order" */
  label: string
  recordId: number
  number: string
  party: string
  amount: string
  reason: string
  hint: string | null
  url: string
  /** what became of it since: "Synced to Xero", "Skipped by …" */
  outcome: string | null
}

export interface AlertView {
  alertId: number
  productId: number
  productName: string
  syncRunId: number | null
  faultsUrl: string
  lines: AlertLine[]
}

/** Lines shown one by one; the rest are counted and linked (Slack allows 50 blocks a message). */
const LINES_SHOWN = 10

type Block = Record<string, unknown>

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text })

/** The value a Resync or Skip button carries back to us. */
export function buttonValue(line: Pick<AlertLine, 'kind' | 'recordId'>, productId: number) {
  return JSON.stringify({ kind: line.kind, recordId: line.recordId, productId })
}

function label(kind: RecordKind, count = 1) {
  return count === 1 ? recordKinds[kind].label : recordKinds[kind].pluralLabel
}

/** "a credit note", "an invoice" */
function withArticle(noun: string) {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`
}

function lineText(line: AlertLine) {
  const head = `*${capitalise(line.label)} ${escape(line.number)}* · ${escape(line.party)} · ${escape(line.amount)}`
  if (line.outcome) return `${head}\n:white_check_mark: ${escape(line.outcome)}`
  const hint = line.hint ? `\n*What to do:* ${escape(line.hint)}` : ''
  return `${head}\n*Why:* ${escape(line.reason)}${hint}`
}

function lineBlocks(line: AlertLine, productId: number): Block[] {
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(lineText(line)) }]
  const open = {
    type: 'button',
    action_id: ACTION_OPEN,
    text: { type: 'plain_text', text: 'Open in dashboard' },
    url: line.url,
  }
  if (line.outcome) {
    blocks.push({
      type: 'actions',
      block_id: `record-${line.kind}-${line.recordId}`,
      elements: [open],
    })
    return blocks
  }
  blocks.push({
    type: 'actions',
    block_id: `record-${line.kind}-${line.recordId}`,
    elements: [
      {
        type: 'button',
        action_id: ACTION_RESYNC,
        style: 'primary',
        text: { type: 'plain_text', text: 'Resync' },
        value: buttonValue(line, productId),
      },
      {
        type: 'button',
        action_id: ACTION_SKIP,
        text: { type: 'plain_text', text: 'Skip' },
        value: buttonValue(line, productId),
      },
      open,
    ],
  })
  return blocks
}

/** A fault alert: one record, or every record of one run grouped in one message. */
export function alertMessage(view: AlertView) {
  const open = view.lines.filter((line) => !line.outcome)
  const kind = view.lines[0]?.kind ?? 'invoice'
  const run = view.syncRunId ? ` (run #${view.syncRunId})` : ''
  let title: string
  if (view.lines.length === 1) {
    const line = view.lines[0]
    title = line.outcome
      ? `${capitalise(line.label)} ${line.number} in ${view.productName} faulted; since then: ${line.outcome}.`
      : `${capitalise(line.label)} ${line.number} for ${line.party} (${line.amount}) could not sync to Xero in ${view.productName}: ${line.reason}`
  } else {
    title = `${view.lines.length} ${label(kind, 2)} could not sync to Xero in ${view.productName}${run}; ${open.length} still need attention.`
  }
  const blocks: Block[] = [
    {
      type: 'section',
      text: mrkdwn(
        `:warning: *${escape(view.productName)}*: ${escape(headline(view, open.length))}`
      ),
    },
  ]
  for (const line of view.lines.slice(0, LINES_SHOWN))
    blocks.push({ type: 'divider' }, ...lineBlocks(line, view.productId))
  if (view.lines.length > LINES_SHOWN) {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `…and ${view.lines.length - LINES_SHOWN} more. <${view.faultsUrl}|See every fault in the dashboard>.`
        ),
      ],
    })
  }
  return { text: title, blocks }
}

function headline(view: AlertView, stillOpen: number) {
  const run = view.syncRunId ? ` in run #${view.syncRunId}` : ''
  if (view.lines.length === 1) {
    return stillOpen === 1
      ? `${withArticle(view.lines[0].label)} could not sync to Xero${run}.`
      : `${withArticle(view.lines[0].label)} faulted${run}; it is sorted now.`
  }
  return `${view.lines.length} records could not sync to Xero${run}; ${stillOpen} still need attention.`
}

/** Slack's mrkdwn needs &, < and > escaped. */
export function escape(text: string) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function capitalise(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** An answer only the caller sees. */
export function ephemeral(text: string, blocks?: Block[]) {
  return { response_type: 'ephemeral' as const, text, ...(blocks ? { blocks } : {}) }
}

export const HELP_TEXT = [
  '*Accounting Toolbox* — what I understand:',
  '• `status [product]` — status, invoice counts, last run and faults',
  '• `resync <invoice number or Autotask id>` — push a synced or faulted invoice again',
  '• `sync now <product>` — ask the engine to run now (plans with on-demand sync)',
  '• `preview <product>` — what the next sync would send to Xero, without writing anything',
  '• `pause <product>` / `resume <product>` — stop or start syncing a product',
  '• `link <your e-mail>` — ask to link your Slack user to your Accounting Toolbox user',
  "• `approve <@user>` — owners and admins approve that Slack user's link request",
  "• `unlink <@user>` — owners and admins remove a Slack user's link or request",
  '• `help` — this list',
].join('\n')
