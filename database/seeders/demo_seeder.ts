import { BaseSeeder } from '@adonisjs/lucid/seeders'
import env from '#start/env'
import Account from '#models/account'
import User from '#models/user'
import Product from '#models/product'
import SandboxSetup from '#sandbox/setup'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import { SLACK_SANDBOX_BOT_TOKEN } from '#sandbox/slack/index'
import app from '@adonisjs/core/services/app'
import SlackConnectionService from '#services/slack_connection_service'
import SlackLinkService from '#services/slack_link_service'

/** The demo's Slack app: the sandbox's bot token and a signing secret for signed test commands. */
export const DEMO_SLACK = {
  signingSecret: 'demo-signing-secret-not-for-production',
  userId: 'U0DEMO',
}

/** The demo sign-in, printed by `npm run demo`. */
export const DEMO_LOGIN = { email: 'demo@example.com', password: 'demo-password' }

/**
 * The demo account, user and product, connected to the sandboxes and mapped
 * (SandboxSetup: two mappings are wrong on purpose, so the demo shows
 * faults). Idempotent: each `npm run demo`
 * reconnects the product to the freshly started Xero sandbox and keeps the rest.
 */
export default class DemoSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  async run() {
    const account = await Account.firstOrCreate({ name: 'Demo MSP' }, { plan: 'demo' })
    if (!(await User.findBy('email', DEMO_LOGIN.email))) {
      await User.create({
        accountId: account.id,
        email: DEMO_LOGIN.email,
        password: DEMO_LOGIN.password,
        fullName: 'Demo Owner',
        role: 'owner',
        isStaff: true,
      })
    }
    const product = await Product.firstOrCreate(
      { accountId: account.id, name: 'Demo Autotask → Xero' },
      {
        status: 'active',
        autotaskHealth: 'unknown',
        xeroHealth: 'unknown',
        settings: {
          daysBack: 60,
          slackChannel: '#billing-alerts',
          purchaseOrders: {
            enabled: true,
            documentType: 'PURCHASEORDER',
            triggerStatus: 2,
            accountCode: '300',
            taxType: 'INPUT2',
          },
        },
      }
    )
    const tokens = await this.connectXeroSandbox(XERO_SANDBOX_TENANTS.nz.tenantId)
    await new SandboxSetup().connect(product, tokens)
    product.merge({ syncRequestedAt: null, nextSyncAt: null })
    await product.save()
    await this.connectSlackSandbox(account)
  }

  /** Faults are posted to the Slack sandbox's #billing-alerts; the demo owner is linked as Slack user U0DEMO. */
  private async connectSlackSandbox(account: Account) {
    const connections = await app.container.make(SlackConnectionService)
    const result = await connections.connect(account, {
      botToken: SLACK_SANDBOX_BOT_TOKEN,
      signingSecret: DEMO_SLACK.signingSecret,
    })
    if (!result.ok) {
      console.warn(`Slack sandbox not connected: ${result.reason}`)
      return
    }
    const links = await app.container.make(SlackLinkService)
    await links.linkDirectly(
      result.connection,
      account,
      DEMO_LOGIN.email,
      DEMO_SLACK.userId,
      'demo'
    )
  }

  /** Fresh tokens from the running Xero sandbox (its state lives in memory, so every demo start needs new ones). */
  private async connectXeroSandbox(tenantId: string) {
    const base = `http://${env.get('SANDBOX_HOST', '127.0.0.1')}:${env.get('SANDBOX_XERO_PORT', 4020)}`
    const response = await fetch(`${base}/_sandbox/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantIds: [tenantId] }),
    })
    if (!response.ok)
      throw new Error(
        `The Xero sandbox at ${base} did not answer (${response.status}): is sandbox:serve running?`
      )
    const body = (await response.json()) as {
      accessToken: string
      refreshToken: string
      expiresAt: string
    }
    return {
      accessToken: body.accessToken,
      refreshToken: body.refreshToken,
      expiresAt: body.expiresAt,
    }
  }
}
