import type { ApplicationService } from '@adonisjs/core/types'
import { SlackClient } from '#integrations/slack/slack_client'
import { WebApiSlackClient } from '#integrations/slack/web_api_slack_client'

/** Binds the Slack contract to the Web API client. */
export default class SlackProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton(SlackClient, () => new WebApiSlackClient())
  }
}
