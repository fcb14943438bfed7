import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import env from '#start/env'
// Types only (erased at build): the sandboxes themselves are imported in serve(), see there.
import type { AutotaskSandbox } from '#sandbox/autotask/index'
import type { XeroSandbox } from '#sandbox/xero/index'
import type { SlackSandbox } from '#sandbox/slack/index'

/**
 * Runs the Autotask, Xero and Slack sandboxes (real HTTP servers on loopback that speak
 * the real contracts) until stopped, and prints the environment that points
 * the app at them.
 */
export default class SandboxServe extends BaseCommand {
  static commandName = 'sandbox:serve'
  static description = 'Serve the Autotask, Xero and Slack sandboxes on loopback until stopped'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  @flags.number({ description: 'Invoices seeded in the Autotask sandbox' })
  declare invoices?: number

  @flags.number({
    description: 'Speed of the Xero sandbox clock (rate-limit windows), e.g. 60 for benchmarks',
  })
  declare clockSpeed?: number

  @flags.string({
    description:
      "Keep the sandboxes' state in this file: loaded at start, saved on every change and at exit (npm run demo uses tmp/demo-sandboxes.json)",
  })
  declare state?: string

  async run() {
    try {
      await this.serve()
    } catch (error) {
      const busy = (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
      this.logger.error(
        busy
          ? `${(error as Error).message}: is another demo or sandbox:serve still running? Stop it, or choose other SANDBOX_*_PORT values.`
          : (error as Error).message
      )
      this.exitCode = 1
      await this.app.terminate()
    }
  }

  private async serve() {
    // Loaded here, not at the top: the sandboxes need development packages, and Ace imports every
    // command file to list them, so a top-level import would break every command in a production build.
    const { startAutotaskSandbox, AUTOTASK_SANDBOX_USER } = await import('#sandbox/autotask/index')
    const { startXeroSandbox } = await import('#sandbox/xero/index')
    const { startSlackSandbox } = await import('#sandbox/slack/index')
    const { sandboxEnvironment } = await import('#sandbox/environment')
    const host = env.get('SANDBOX_HOST', '127.0.0.1')
    const autotask = await startAutotaskSandbox({
      host,
      port: env.get('SANDBOX_AUTOTASK_PORT', 4010),
      invoices: this.invoices ?? 120,
      companies: 30,
    })
    const xero = await startXeroSandbox({
      host,
      port: env.get('SANDBOX_XERO_PORT', 4020),
      clockSpeed: this.clockSpeed,
    })
    const slack = await startSlackSandbox({ host, port: env.get('SANDBOX_SLACK_PORT', 4030) })
    const stateFile = this.state ? await this.keepState(this.state, autotask, xero, slack) : null
    this.app.terminating(async () => {
      await autotask.close()
      await xero.close()
      await slack.close()
      stateFile?.stop()
    })

    this.logger.success(`Autotask sandbox on ${autotask.lookupUrl} (knobs: ${autotask.knobsUrl})`)
    const user = AUTOTASK_SANDBOX_USER
    this.logger.info(
      `Autotask sandbox API user: ${user.username} / ${user.secret} (integration code ${user.integrationCode})`
    )
    this.logger.success(`Xero sandbox on ${xero.url} (knobs: ${xero.url}/_sandbox)`)
    this.logger.success(
      `Slack sandbox on ${slack.url} (what the bot posted: ${slack.url}/_sandbox/state)`
    )
    this.logger.info('Point the app at them with:')
    for (const line of [
      ...sandboxEnvironment(autotask.lookupUrl, xero),
      `SLACK_API_URL=${slack.apiUrl}`,
    ]) {
      this.logger.log(`  ${line}`)
    }
    this.logger.log('Sandboxes ready')
  }

  /** Loads the sandboxes' saved state (when there is one) and saves it on change, on Ctrl+C and at exit. */
  private async keepState(
    path: string,
    autotask: AutotaskSandbox,
    xero: XeroSandbox,
    slack: SlackSandbox
  ) {
    const { SandboxStateFile } = await import('#sandbox/persistence')
    const file = new SandboxStateFile(this.app.makePath(path), {
      autotask: autotask.state,
      xero: xero.state,
      slack: slack.state,
    })
    try {
      if (file.load()) this.logger.info(`Sandboxes' state loaded from ${path}`)
      else this.logger.info(`Sandboxes start from their seed; their state is kept in ${path}`)
    } catch (error) {
      await Promise.all([autotask.close(), xero.close(), slack.close()])
      throw error
    }
    file.save(true)
    file.watch()
    // Ctrl+C reaches every process of the terminal at once: save before Node's default handling ends this one.
    process.once('SIGINT', () => {
      file.stop()
      this.app.terminate().finally(() => process.exit(130))
    })
    return file
  }
}
