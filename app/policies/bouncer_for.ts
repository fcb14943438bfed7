import { Bouncer } from '@adonisjs/bouncer'
import * as abilities from '#abilities/main'
import { policies } from '#policies/main'
import type User from '#models/user'

/** A Bouncer for a user acting outside an HTTP request (a Slack command or button), with the app's policies. */
export function bouncerFor(user: User) {
  return new Bouncer(user, abilities, policies)
}
