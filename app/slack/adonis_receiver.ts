import type { App, Receiver, ReceiverEvent } from '@slack/bolt'

/** What goes back to Slack over HTTP once a request is handled. */
export interface ReceiverAnswer {
  status: number
  body: string | Record<string, unknown>
}

/** Slack wants an answer within 3 s; past this budget we answer with the ack and let the work finish. */
const ACK_BUDGET_MS = 2500

/**
 * A Bolt receiver without a server of its own: the AdonisJS route verifies the
 * request, then hands the parsed body here, and Bolt's `ack()` becomes the HTTP
 * answer. Work after the ack (chat.update, response_url) finishes before we
 * answer when it is quick, so one process serves web and Slack predictably.
 */
export class AdonisReceiver implements Receiver {
  #bolt: App | null = null

  init(bolt: App) {
    this.#bolt = bolt
  }

  async start() {}

  async stop() {}

  /** Runs the request through Bolt's listeners and resolves with the answer Slack gets. */
  async dispatch(
    body: Record<string, any>,
    extras: Omit<ReceiverEvent, 'body' | 'ack'> = {}
  ): Promise<ReceiverAnswer> {
    if (!this.#bolt) throw new Error('AdonisReceiver used before Bolt initialised it')
    let acked = false
    let answer: ReceiverAnswer = { status: 200, body: '' }
    let onAck: () => void = () => {}
    const ackSeen = new Promise<void>((resolve) => (onAck = resolve))
    const event: ReceiverEvent = {
      ...extras,
      body,
      ack: async (response?: unknown) => {
        if (acked) return
        acked = true
        if (typeof response === 'string') answer = { status: 200, body: response }
        else if (response && typeof response === 'object')
          answer = { status: 200, body: response as Record<string, unknown> }
        onAck()
      },
    }
    const processing = this.#bolt.processEvent(event).then(
      () => 'done' as const,
      () => 'done' as const
    )
    let timer: NodeJS.Timeout | undefined
    const budget = new Promise<'late'>(
      (resolve) => (timer = setTimeout(() => resolve('late'), ACK_BUDGET_MS))
    )
    const first = await Promise.race([processing, budget])
    clearTimeout(timer)
    if (first === 'late' && !acked) await Promise.race([ackSeen, processing])
    return answer
  }
}
