/*
| Event listeners. The sync engine emits (app/events/sync_events.ts); faces
| such as the Slack bot listen here.
*/
import '#events/sync_events'
