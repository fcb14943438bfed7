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
