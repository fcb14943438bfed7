import { inject } from '@adonisjs/core'
import { SessionCollection } from '@adonisjs/session'
import type { Session } from '@adonisjs/session'

/**
 * Signed-in sessions per user, in the session store shared by every process: each is
 * tagged with its user at sign-in, so a password change or a removal ends them all at once.
 */
@inject()
export default class UserSessionService {
  constructor(protected sessions: SessionCollection) {}

  /** Marks this (just signed-in) session as the user's. */
  async tag(session: Session, userId: number) {
    if (session.supportsTagging()) await session.tag(String(userId))
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
