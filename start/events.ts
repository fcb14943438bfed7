/*
| Event listeners. The sync engine emits (app/events/sync_events.ts); faces
| such as the Slack bot listen here.
*/
import '#events/sync_events'
import '#events/auth_events'

import emitter from '@adonisjs/core/services/emitter'
const SlackAlerts = () => import('#listeners/slack_alerts')
emitter.on('record:faulted', [SlackAlerts, 'faulted'])
emitter.on('record:synced', [SlackAlerts, 'synced'])
emitter.on('sync_run:finished', [SlackAlerts, 'runFinished'])

const AuditAuthEvents = () => import('#listeners/audit_auth_events')
emitter.on('auth:sign_in_failed', [AuditAuthEvents, 'signInFailed'])
emitter.on('auth:two_factor_enrolled', [AuditAuthEvents, 'twoFactorEnrolled'])
emitter.on('auth:two_factor_reset', [AuditAuthEvents, 'twoFactorReset'])
emitter.on('auth:recovery_codes_renewed', [AuditAuthEvents, 'recoveryCodesRenewed'])
emitter.on('auth:two_factor_policy_changed', [AuditAuthEvents, 'twoFactorPolicyChanged'])
emitter.on('auth:password_changed', [AuditAuthEvents, 'passwordChanged'])
emitter.on('user:removed', [AuditAuthEvents, 'userRemoved'])
