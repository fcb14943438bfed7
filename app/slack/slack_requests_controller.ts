import { inject } from '@adonisjs/core'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import type { HttpContext } from '@adonisjs/core/http'
import { isValidSlackRequest } from '@slack/bolt'
import type { SlackConfig } from '#config/slack'
import SlackConnectionService from '#services/slack_connection_service'
import SlackRequestService from '#services/slack_request_service'
import { Clock } from '#sync/clock'
import { ephemeral } from '#integrations/slack/messages'
import { receiverFor } from '#slack/bot'

type ParsedBody =
  | {
      ok: true
      kind: 'command' | 'interaction' | 'event'
      body: Record<string, any>
      teamId: string | null
    }
  | { ok: false; reason: string; teamId: string | null }

/**
 * Every Slack request (slash commands, buttons, events) arrives here. Nothing
 * happens until the signature (with the installation's signing secret), the
 * timestamp (five minutes) and the replay guard pass; then Bolt takes over.
 */
@inject()
export default class SlackRequestsController {
  constructor(
    protected connections: SlackConnectionService,
    protected requests: SlackRequestService,
    protected clock: Clock
  ) {}

  async handle({ request, response }: HttpContext) {
    const config = app.config.get<SlackConfig>('slack')
    const raw = request.raw() ?? ''
    const timestamp = request.header('x-slack-request-timestamp') ?? ''
    const signature = request.header('x-slack-signature') ?? ''
    const refuse = (why: string) => {
      logger.warn(`slack: refused a request (${why})`)
      return response.status(401).send({ error: 'invalid_request', reason: why })
    }
    if (!/^\d{1,12}$/.test(timestamp) || !signature.startsWith('v0=')) return refuse('unsigned')
    if (Math.abs(this.clock.now().toSeconds() - Number(timestamp)) > config.requestMaxAgeSeconds) {
      return refuse('stale timestamp')
    }

    const parsed = parseBody(raw, request.header('content-type') ?? '')
    const candidates = await this.connections.candidatesFor(parsed.teamId)
    // Bolt checks the HMAC; our window above is stricter (both directions, configurable), so the clock is ours too.
    const nowMilliseconds = this.clock.now().toMillis()
    const headers = {
      'x-slack-signature': signature,
      'x-slack-request-timestamp': Number(timestamp),
    }
    const connection = candidates.find(({ signingSecret }) =>
      isValidSlackRequest({ signingSecret, body: raw, headers, nowMilliseconds })
    )
    if (!connection) return refuse('bad signature')
    if (!(await this.requests.firstUse(signature, config.requestMaxAgeSeconds)))
      return refuse('replayed')

    if (!parsed.ok)
      return response
        .status(200)
        .send(ephemeral(`Accounting Toolbox could not read that request: ${parsed.reason}.`))
    if (parsed.kind === 'event' && parsed.body.type === 'url_verification') {
      return response.status(200).send({ challenge: String(parsed.body.challenge ?? '') })
    }

    const retryNum = request.header('x-slack-retry-num')
    const answer = await receiverFor(connection).dispatch(parsed.body, {
      retryNum: retryNum ? Number(retryNum) : undefined,
      retryReason: request.header('x-slack-retry-reason') ?? undefined,
      customProperties: { toolboxConnection: connection },
    })
    return response.status(answer.status).send(answer.body)
  }
}

/** Slash commands and buttons are form posts (buttons carry a JSON `payload`); the Events API posts JSON. */
function parseBody(raw: string, contentType: string): ParsedBody {
  if (contentType.includes('application/json')) {
    const body = safeJson(raw)
    if (!isObject(body) || typeof body.type !== 'string')
      return { ok: false, reason: 'the event has no type', teamId: null }
    return {
      ok: true,
      kind: 'event',
      body,
      teamId: typeof body.team_id === 'string' ? body.team_id : null,
    }
  }
  const form = new URLSearchParams(raw)
  const payload = form.get('payload')
  if (payload !== null) {
    const body = safeJson(payload)
    if (!isObject(body) || typeof body.type !== 'string') {
      return {
        ok: false,
        reason: 'the payload is not a Slack interaction',
        teamId: form.get('team_id'),
      }
    }
    const teamId = isObject(body.team) && typeof body.team.id === 'string' ? body.team.id : null
    if (body.type === 'block_actions' && (!isObject(body.user) || !Array.isArray(body.actions))) {
      return { ok: false, reason: 'the button press names no user or action', teamId }
    }
    return { ok: true, kind: 'interaction', body, teamId }
  }
  const body = Object.fromEntries(form.entries())
  const teamId = body.team_id ?? null
  if (!body.command)
    return { ok: false, reason: 'it is neither a command nor a button press', teamId }
  if (!body.user_id) return { ok: false, reason: 'the command names no user', teamId }
  return { ok: true, kind: 'command', body, teamId }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
