/*
| What the Slack sandbox knows and what it received: the workspace, its
| channels and bot tokens, every message, update, ephemeral answer and
| response_url post, and the faults to inject next.
*/

export interface SandboxChannel {
  id: string
  name: string
  isMember: boolean
}

export interface SandboxBot {
  teamId: string
  teamName: string
  botUserId: string
  botId: string
}

export interface SandboxMessage {
  channel: string
  ts: string
  text: string | null
  blocks: unknown[] | null
  threadTs: string | null
  /** every chat.update applied to this message, oldest first */
  updates: { text: string | null; blocks: unknown[] | null }[]
}

export interface SandboxEphemeral {
  channel: string
  user: string
  text: string | null
  blocks: unknown[] | null
}

export interface SandboxResponse {
  path: string
  body: Record<string, unknown>
}

export interface SandboxCall {
  method: string
  status: number
  error: string | null
  args: Record<string, unknown>
}

/** `ratelimited` answers 429 with Retry-After; `server_error` answers 500. */
export type SlackFaultKind = 'ratelimited' | 'server_error'

interface PendingFault {
  kind: SlackFaultKind
  retryAfter: number
  methods: string[] | null
}

/** One Socket Mode envelope the sandbox delivered, and the acknowledgement it got (if any). */
export interface SandboxDelivery {
  envelopeId: string
  type: 'slash_commands' | 'interactive' | 'events_api'
  payload: Record<string, unknown>
  /** what the app sent back with the envelope id; null while (or if never) acknowledged */
  ack: { payload?: unknown } | null
}

export const SLACK_SANDBOX_BOT_TOKEN = 'xoxb-sandbox-0000-bot-token'
/** The app-level token (`xapp-`, scope connections:write) that opens Socket Mode connections. */
export const SLACK_SANDBOX_APP_TOKEN = 'xapp-1-A0TOOLBOX-0000-sandbox-app-token'
export const SLACK_SANDBOX_TEAM: SandboxBot = {
  teamId: 'T0SANDBOX',
  teamName: 'Sandbox Workspace',
  botUserId: 'U0TOOLBOX',
  botId: 'B0TOOLBOX',
}
export const SLACK_SANDBOX_CHANNELS: SandboxChannel[] = [
  { id: 'C0ALERTS', name: 'billing-alerts', isMember: true },
  { id: 'C0GENERAL', name: 'general', isMember: true },
  { id: 'C0OPS', name: 'ops', isMember: false },
]

/** The Slack sandbox's state as plain JSON (see `SlackSandboxState.snapshot`). */
export interface SlackSandboxSnapshot {
  bots: [string, SandboxBot][]
  channels: SandboxChannel[]
  messages: SandboxMessage[]
  ephemerals: SandboxEphemeral[]
  responses: SandboxResponse[]
  tsCounter: number
}

export class SlackSandboxState {
  readonly bots = new Map<string, SandboxBot>([[SLACK_SANDBOX_BOT_TOKEN, SLACK_SANDBOX_TEAM]])
  channels: SandboxChannel[] = SLACK_SANDBOX_CHANNELS.map((channel) => ({ ...channel }))
  messages: SandboxMessage[] = []
  ephemerals: SandboxEphemeral[] = []
  responses: SandboxResponse[] = []
  calls: SandboxCall[] = []
  /** app-level tokens and the app they belong to */
  readonly appTokens = new Map<string, { appId: string }>([
    [SLACK_SANDBOX_APP_TOKEN, { appId: 'A0TOOLBOX' }],
  ])
  /** Socket Mode connections opened with apps.connections.open, ever (a reconnect opens another) */
  socketOpens = 0
  deliveries: SandboxDelivery[] = []
  private faults: PendingFault[] = []
  private tsCounter = 0

  /** The next `count` Web API calls (optionally only of these methods) fail this way. */
  failNext(
    count: number,
    kind: SlackFaultKind = 'ratelimited',
    options: { retryAfter?: number; methods?: string[] } = {}
  ) {
    for (let index = 0; index < count; index++) {
      this.faults.push({
        kind,
        retryAfter: options.retryAfter ?? 30,
        methods: options.methods ?? null,
      })
    }
  }

  /** Removes and returns the fault that applies to this method, if any. */
  takeFault(method: string): PendingFault | null {
    const index = this.faults.findIndex(
      (fault) => fault.methods === null || fault.methods.includes(method)
    )
    if (index === -1) return null
    return this.faults.splice(index, 1)[0]
  }

  get pendingFaults() {
    return this.faults.length
  }

  addBot(token: string, bot: SandboxBot) {
    this.bots.set(token, bot)
  }

  /** A channel by id, `#name` or `name`. */
  findChannel(reference: string) {
    const name = reference.replace(/^#/, '')
    return (
      this.channels.find((channel) => channel.id === reference || channel.name === name) ?? null
    )
  }

  nextTs() {
    this.tsCounter += 1
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`
  }

  /** Messages posted to a channel (id or name), oldest first. */
  messagesIn(reference: string) {
    const channel = this.findChannel(reference)
    return this.messages.filter((message) => message.channel === (channel?.id ?? reference))
  }

  /** What outlives a restart of `sandbox:serve --state`: bots, channels and what was posted (not calls or faults). */
  snapshot(): SlackSandboxSnapshot {
    return {
      bots: [...this.bots],
      channels: this.channels,
      messages: this.messages,
      ephemerals: this.ephemerals,
      responses: this.responses,
      tsCounter: this.tsCounter,
    }
  }

  /** Takes back what `snapshot()` gave (after a JSON round trip). */
  restore(snapshot: SlackSandboxSnapshot) {
    this.reset()
    for (const [token, bot] of snapshot.bots) this.bots.set(token, bot)
    this.channels = snapshot.channels
    this.messages = snapshot.messages
    this.ephemerals = snapshot.ephemerals
    this.responses = snapshot.responses
    this.tsCounter = snapshot.tsCounter
  }

  reset() {
    this.messages = []
    this.ephemerals = []
    this.responses = []
    this.calls = []
    this.deliveries = []
    this.socketOpens = 0
    this.faults = []
    this.channels = SLACK_SANDBOX_CHANNELS.map((channel) => ({ ...channel }))
  }
}
