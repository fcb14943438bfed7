/*
| The Slack sandbox (PRODUCT.md §7): the Web API methods the bot calls and the
| response_url endpoint, importable without Adonis.
*/
export { startSlackSandbox } from '#sandbox/slack/server'
export type { SlackSandbox, SlackSandboxOptions } from '#sandbox/slack/server'
export {
  SlackSandboxState,
  SLACK_SANDBOX_BOT_TOKEN,
  SLACK_SANDBOX_APP_TOKEN,
  SLACK_SANDBOX_TEAM,
  SLACK_SANDBOX_CHANNELS,
} from '#sandbox/slack/state'
export type * from '#sandbox/slack/state'
