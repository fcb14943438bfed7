import { createHash } from 'node:crypto'
import { inject } from '@adonisjs/core'
import { SessionCollection } from '@adonisjs/session'
import type { Session } from '@adonisjs/session'
import { SIGNED_IN_AT } from '#middleware/auth_middleware'

/** Session key: where a session signed in from (its address and browser), for the person's list of their sessions. */
export const SIGNED_IN_FROM = 'signedInFrom'

interface SignedInFrom {
  ip: string
  browser: string
}

/** One of a person's signed-in sessions, as their "Your sessions" list shows it. */
export interface SessionSummary {
  /** a digest of the session id: names the session in a URL without revealing its id */
  handle: string
  current: boolean
  signedInAt: Date | null
  ip: string | null
  browser: string | null
}

/**
 * Signed-in sessions per user, in the session store shared by every process: each is
 * tagged with its user at sign-in, so a password change or a removal ends them all at once.
 */
@inject()
export default class UserSessionService {
  constructor(protected sessions: SessionCollection) {}

  /** Marks this (just signed-in) session as the user's, with where it signed in from. */
  async tag(session: Session, userId: number, from: SignedInFrom) {
    session.put(SIGNED_IN_FROM, { ip: from.ip, browser: from.browser.slice(0, 200) })
    if (session.supportsTagging()) await session.tag(String(userId))
  }

  /** The user's sessions, newest sign-in first. */
  async list(userId: number, currentSessionId: string): Promise<SessionSummary[]> {
    if (!this.sessions.supportsTagging()) return []
    const tagged = await this.sessions.tagged(String(userId))
    return tagged
      .map(({ id, data }) => {
        const from = data[SIGNED_IN_FROM] as Partial<SignedInFrom> | undefined
        const signedInAt = data[SIGNED_IN_AT]
        return {
          handle: handleOf(id),
          current: id === currentSessionId,
          signedInAt: typeof signedInAt === 'number' ? new Date(signedInAt) : null,
          ip: typeof from?.ip === 'string' ? from.ip : null,
          browser: typeof from?.browser === 'string' ? from.browser : null,
        }
      })
      .sort((a, b) => (b.signedInAt?.getTime() ?? 0) - (a.signedInAt?.getTime() ?? 0))
  }

  /** Ends one of the user's sessions (never the current one: that is signing out); says whether it did. */
  async endOne(userId: number, handle: string, currentSessionId: string): Promise<boolean> {
    if (!this.sessions.supportsTagging()) return false
    const session = (await this.sessions.tagged(String(userId))).find(
      ({ id }) => handleOf(id) === handle && id !== currentSessionId
    )
    if (!session) return false
    await this.sessions.destroy(session.id)
    return true
  }

  /** Ends every session of the user but `exceptSessionId`; answers how many ended. */
  async endAll(userId: number, exceptSessionId?: string): Promise<number> {
    if (!this.sessions.supportsTagging()) return 0
    let ended = 0
    for (const tagged of await this.sessions.tagged(String(userId))) {
      if (tagged.id === exceptSessionId) continue
      await this.sessions.destroy(tagged.id)
      ended++
    }
    return ended
  }
}

function handleOf(sessionId: string) {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 24)
}
