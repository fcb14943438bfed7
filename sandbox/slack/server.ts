import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { randomUUID } from 'node:crypto'
import { WebSocketServer, type WebSocket } from 'ws'
import { SlackSandboxState, type SandboxBot, type SlackFaultKind } from '#sandbox/slack/state'

export interface SlackSandboxOptions {
  /** Loopback by default. */
  host?: string
  /** 0 (the default) picks a free port. */
  port?: number
  /** Extra delay before every Web API answer. */
  latencyMs?: number
}

export interface SlackSandbox {
  /** The server's root: knobs live under `/_sandbox`, response_url posts under `/response`. */
  url: string
  /** What a WebClient takes as `slackApiUrl`. */
  apiUrl: string
  /** A fresh response_url, as Slack puts in every command and interaction payload. */
  responseUrl(id?: string): string
  state: SlackSandboxState
  /** Socket Mode: open sockets now (one per app connection) */
  openSockets(): number
  /**
   * Socket Mode: sends a slash command or a button press to a connected app in
   * an envelope and resolves with the app's acknowledgement, or null when none
   * came within Slack's 3 seconds (the user then sees an error in Slack).
   */
  deliver(
    type: 'slash_commands' | 'interactive',
    payload: Record<string, unknown>,
    options?: { ackTimeoutMs?: number }
  ): Promise<{ payload?: unknown } | null>
  /** Sends every open socket Slack's `disconnect` message, then closes it. */
  disconnect(reason?: 'refresh_requested' | 'warning', options?: { closeAfterMs?: number }): void
  close(): Promise<void>
}

interface Answer {
  status?: number
  headers?: Record<string, string>
  body: unknown
}

type Args = Record<string, unknown>

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function send(response: ServerResponse, answer: Answer) {
  if (response.writableEnded || response.destroyed) return
  const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
  response.writeHead(answer.status ?? 200, {
    'content-type':
      typeof answer.body === 'string'
        ? 'text/plain; charset=utf-8'
        : 'application/json; charset=utf-8',
    ...(answer.headers ?? {}),
  })
  response.end(payload)
}

/** The Web API takes form fields (objects JSON-encoded, as the WebClient sends them) or a JSON body. */
function parseArgs(raw: string, contentType: string | undefined, query: URLSearchParams): Args {
  const args: Args = Object.fromEntries(query.entries())
  if (!raw) return args
  if (contentType?.includes('application/json')) {
    try {
      return { ...args, ...(JSON.parse(raw) as Args) }
    } catch {
      return args
    }
  }
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = /^[[{]/.test(value) ? safeJson(value) : value
  }
  return args
}

function safeJson(value: string) {
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}

const fail = (error: string, extra: Args = {}): Answer => ({ body: { ok: false, error, ...extra } })

function textOf(args: Args) {
  return typeof args.text === 'string' ? args.text : null
}

function blocksOf(args: Args) {
  const blocks = typeof args.blocks === 'string' ? safeJson(args.blocks) : args.blocks
  return Array.isArray(blocks) ? blocks : null
}

function channelJson(channel: { id: string; name: string; isMember: boolean }) {
  return {
    id: channel.id,
    name: channel.name,
    is_channel: true,
    is_private: false,
    is_archived: false,
    is_member: channel.isMember,
  }
}

/** One Web API method, as Slack answers it (HTTP 200 with `ok: false` for API errors). */
function callMethod(state: SlackSandboxState, method: string, bot: SandboxBot, args: Args): Answer {
  switch (method) {
    case 'auth.test':
      return {
        body: {
          ok: true,
          url: `https://${bot.teamName.toLowerCase().replace(/\s+/g, '-')}.slack.com/`,
          team: bot.teamName,
          user: 'toolbox',
          team_id: bot.teamId,
          user_id: bot.botUserId,
          bot_id: bot.botId,
          is_enterprise_install: false,
        },
      }
    case 'chat.postMessage': {
      const channel = state.findChannel(String(args.channel ?? ''))
      if (!args.channel || !channel) return fail('channel_not_found')
      if (!channel.isMember) return fail('not_in_channel')
      const text = textOf(args)
      const blocks = blocksOf(args)
      if (!text && !blocks) return fail('no_text')
      const ts = state.nextTs()
      const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : null
      state.messages.push({ channel: channel.id, ts, text, blocks, threadTs, updates: [] })
      return {
        body: {
          ok: true,
          channel: channel.id,
          ts,
          message: {
            type: 'message',
            user: bot.botUserId,
            bot_id: bot.botId,
            text: text ?? '',
            blocks,
            ts,
          },
        },
      }
    }
    case 'chat.update': {
      const channelId = String(args.channel ?? '')
      if (!state.channels.some((channel) => channel.id === channelId))
        return fail('channel_not_found')
      const message = state.messages.find(
        (candidate) => candidate.channel === channelId && candidate.ts === args.ts
      )
      if (!message) return fail('message_not_found')
      const text = textOf(args)
      const blocks = blocksOf(args)
      if (!text && !blocks) return fail('no_text')
      message.updates.push({ text, blocks })
      message.text = text ?? message.text
      message.blocks = blocks ?? message.blocks
      return { body: { ok: true, channel: channelId, ts: message.ts, text: message.text ?? '' } }
    }
    case 'chat.postEphemeral': {
      const channel = state.findChannel(String(args.channel ?? ''))
      if (!channel) return fail('channel_not_found')
      if (!args.user) return fail('user_not_found')
      const text = textOf(args)
      const blocks = blocksOf(args)
      if (!text && !blocks) return fail('no_text')
      state.ephemerals.push({ channel: channel.id, user: String(args.user), text, blocks })
      return { body: { ok: true, message_ts: state.nextTs() } }
    }
    case 'conversations.list':
      return {
        body: {
          ok: true,
          channels: state.channels.map(channelJson),
          response_metadata: { next_cursor: '' },
        },
      }
    case 'conversations.info': {
      const channel = state.findChannel(String(args.channel ?? ''))
      if (!channel || channel.id !== args.channel) return fail('channel_not_found')
      return { body: { ok: true, channel: channelJson(channel) } }
    }
    default:
      return fail('unknown_method')
  }
}

function bearer(request: IncomingMessage, args: Args) {
  const header = request.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length)
  return typeof args.token === 'string' ? args.token : null
}

/** Tickets handed out by apps.connections.open, each good for one connection. */
const socketTickets = new Set<string>()

async function handle(
  state: SlackSandboxState,
  options: SlackSandboxOptions,
  request: IncomingMessage,
  response: ServerResponse
) {
  const url = new URL(request.url ?? '/', 'http://sandbox')
  const raw = await readBody(request)

  if (url.pathname.startsWith('/response/')) {
    if (request.method !== 'POST')
      return send(response, { status: 405, body: 'method not allowed' })
    const body = parseArgs(raw, request.headers['content-type'], new URLSearchParams())
    state.responses.push({ path: url.pathname, body })
    return send(response, { body: { ok: true } })
  }

  if (url.pathname.startsWith('/_sandbox/')) return knob(state, url.pathname, raw, response)

  const match = url.pathname.match(/^\/api\/([a-zA-Z.]+)$/)
  if (!match) return send(response, { status: 404, body: 'not found' })
  const method = match[1]
  const args = parseArgs(raw, request.headers['content-type'], url.searchParams)
  if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs))

  const record = (status: number, error: string | null) => {
    const shown = { ...args }
    delete shown.token
    state.calls.push({ method, status, error, args: shown })
  }
  const fault = state.takeFault(method)
  if (fault?.kind === 'ratelimited') {
    record(429, 'ratelimited')
    return send(response, {
      status: 429,
      headers: { 'retry-after': String(fault.retryAfter) },
      body: { ok: false, error: 'ratelimited' },
    })
  }
  if (fault?.kind === 'server_error') {
    record(500, 'internal_error')
    return send(response, { status: 500, body: 'Internal Server Error' })
  }

  const token = bearer(request, args)
  if (!token) {
    record(200, 'not_authed')
    return send(response, fail('not_authed'))
  }
  // apps.connections.open takes the app-level token (xapp-, connections:write), not a bot token, and answers a
  // temporary WebSocket URL (https://api.slack.com/methods/apps.connections.open, https://api.slack.com/apis/socket-mode).
  if (method === 'apps.connections.open') {
    if (request.method !== 'POST') {
      record(200, 'insecure_request')
      return send(response, fail('insecure_request'))
    }
    if (!state.appTokens.has(token)) {
      record(200, token.startsWith('xoxb-') ? 'not_allowed_token_type' : 'invalid_auth')
      return send(
        response,
        fail(token.startsWith('xoxb-') ? 'not_allowed_token_type' : 'invalid_auth')
      )
    }
    const ticket = randomUUID()
    socketTickets.add(ticket)
    record(200, null)
    const host = request.headers.host ?? '127.0.0.1'
    return send(response, {
      body: {
        ok: true,
        url: `ws://${host}/link/?ticket=${ticket}&app_id=${state.appTokens.get(token)!.appId}`,
      },
    })
  }
  const bot = state.bots.get(token)
  if (!bot) {
    record(200, 'invalid_auth')
    return send(response, fail('invalid_auth'))
  }
  const answer = callMethod(state, method, bot, args)
  const body = answer.body as { ok: boolean; error?: string }
  record(answer.status ?? 200, body.ok ? null : (body.error ?? null))
  return send(response, answer)
}

/** Knobs over HTTP for the demo: fail the next calls, reset, read what was received. */
function knob(state: SlackSandboxState, path: string, raw: string, response: ServerResponse) {
  const body = (raw ? safeJson(raw) : {}) as {
    count?: number
    kind?: SlackFaultKind
    retryAfter?: number
    methods?: string[]
  }
  switch (path) {
    case '/_sandbox/fail':
      state.failNext(body.count ?? 1, body.kind ?? 'ratelimited', {
        retryAfter: body.retryAfter,
        methods: body.methods,
      })
      return send(response, { body: { ok: true, pendingFaults: state.pendingFaults } })
    case '/_sandbox/reset':
      state.reset()
      return send(response, { body: { ok: true } })
    case '/_sandbox/state':
      return send(response, {
        body: {
          messages: state.messages,
          ephemerals: state.ephemerals,
          responses: state.responses,
          calls: state.calls,
        },
      })
    default:
      return send(response, { status: 404, body: 'unknown knob' })
  }
}

/** Starts the Slack Web API sandbox (plain node:http, no Adonis). */
export async function startSlackSandbox(options: SlackSandboxOptions = {}): Promise<SlackSandbox> {
  const state = new SlackSandboxState()
  const sockets = new Set<Socket>()
  let responseCounter = 0
  const server = createServer((request, response) => {
    handle(state, options, request, response).catch((error) => {
      send(response, { status: 500, body: `sandbox error: ${(error as Error).message}` })
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  // Socket Mode (https://api.slack.com/apis/connections/socket-implement): a `hello` on connect, then envelopes
  // {envelope_id, type, payload, accepts_response_payload}; the app answers {envelope_id, payload?} as its ack.
  const webSockets = new Set<WebSocket>()
  const waiting = new Map<string, (ack: { payload?: unknown }) => void>()
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://sandbox')
    const ticket = url.searchParams.get('ticket') ?? ''
    if (url.pathname !== '/link/' || !socketTickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n')
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      state.socketOpens += 1
      webSockets.add(ws)
      ws.on('close', () => webSockets.delete(ws))
      ws.on('message', (data) => {
        const message = safeJson(String(data)) as { envelope_id?: string; payload?: unknown }
        const done = message?.envelope_id ? waiting.get(message.envelope_id) : undefined
        if (!done) return
        waiting.delete(message.envelope_id!)
        done('payload' in message ? { payload: message.payload } : {})
      })
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: webSockets.size,
          debug_info: { host: 'sandbox', approximate_connection_time: 18060 },
          connection_info: { app_id: url.searchParams.get('app_id') },
        })
      )
    })
  })
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve)
  )
  const address = server.address() as AddressInfo
  const url = `http://${options.host ?? '127.0.0.1'}:${address.port}`
  return {
    url,
    apiUrl: `${url}/api/`,
    responseUrl: (id) => `${url}/response/${id ?? `r${++responseCounter}`}`,
    state,
    openSockets: () => [...webSockets].filter((ws) => ws.readyState === ws.OPEN).length,
    deliver(type, payload, { ackTimeoutMs = 3000 } = {}) {
      const ws = [...webSockets].find((candidate) => candidate.readyState === candidate.OPEN)
      const envelopeId = randomUUID()
      const delivery = { envelopeId, type, payload, ack: null as { payload?: unknown } | null }
      state.deliveries.push(delivery)
      if (!ws) return Promise.resolve(null)
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(envelopeId)
          resolve(null)
        }, ackTimeoutMs)
        waiting.set(envelopeId, (ack) => {
          clearTimeout(timer)
          delivery.ack = ack
          resolve(ack)
        })
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type === 'slash_commands',
          })
        )
      })
    },
    // Slack asks an app to reconnect with a `disconnect` message (reason `refresh_requested`: the
    // connection is about to be refreshed; `warning`: ~10 s before it closes), then closes the
    // socket (https://api.slack.com/apis/socket-mode#disconnect). The sandbox closes it after `closeAfterMs`.
    disconnect(reason = 'refresh_requested', { closeAfterMs = 500 } = {}) {
      for (const ws of webSockets) {
        if (ws.readyState !== ws.OPEN) continue
        ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'sandbox' } }))
        setTimeout(() => ws.close(1000), closeAfterMs).unref()
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of webSockets) ws.terminate()
        wss.close()
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
