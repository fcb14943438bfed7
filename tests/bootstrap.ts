import { assert } from '@japa/assert'
import { apiClient } from '@japa/api-client'
import { browserClient, decoratorsCollection } from '@japa/browser-client'
import { chromium } from 'playwright-core'
import app from '@adonisjs/core/services/app'
import type { Config, PluginFn } from '@japa/runner/types'
import { pluginAdonisJS } from '@japa/plugin-adonisjs'
import testUtils from '@adonisjs/core/services/test_utils'
import { sessionApiClient } from '@adonisjs/session/plugins/api_client'
import { sessionBrowserClient } from '@adonisjs/session/plugins/browser_client'
import { authApiClient } from '@adonisjs/auth/plugins/api_client'
import { authBrowserClient } from '@adonisjs/auth/plugins/browser_client'
import { shieldApiClient } from '@adonisjs/shield/plugins/api_client'
import { chromiumPath } from '#tests/helpers/browser'
import { until } from '#tests/helpers/until'

/**
 * BROWSER_CPU_THROTTLE=4 runs every page's main thread 4× slower (Chrome DevTools' CPU throttling),
 * to reproduce on a fast machine the timing a loaded one gives: htmx's settle timers, Alpine's
 * init and the dialog's close event then land between key presses, as they do for a person on a slow laptop.
 */
const cpuThrottle = Number(process.env.BROWSER_CPU_THROTTLE || 1)
if (cpuThrottle > 1) {
  decoratorsCollection.register({
    context(context) {
      const newPage = context.newPage.bind(context)
      context.newPage = async () => {
        const page = await newPage()
        const cdp = await context.newCDPSession(page)
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuThrottle })
        return page
      }
    },
  })
}

/**
 * The auth plugin's `loginAs` starts writing the session (its cookie, then the
 * signed-in user) without awaiting it, so a `visit()` straight after could go out
 * with no cookie and land on the sign-in page. This waits until the session the
 * browser will send holds the user.
 */
function awaitedLoginAs(): PluginFn {
  return () => {
    decoratorsCollection.register({
      context(context) {
        const loginAs = context.loginAs.bind(context)
        context.loginAs = async (...args: Parameters<typeof loginAs>) => {
          await loginAs(...args)
          const held = await until(async () => Boolean((await context.getSession()).auth_web), {
            everyMs: 5,
          })
          if (!held) throw new Error('loginAs: the session never held the user')
        }
      },
    })
  }
}

/**
 * Imported by bin/test.ts. Browser tests drive Debian's Chromium through
 * playwright-core (Playwright cannot download its own browser here).
 */
export const plugins: Config['plugins'] = [
  assert(),
  pluginAdonisJS(app),
  apiClient(),
  sessionApiClient(app),
  authApiClient(app),
  shieldApiClient(),
  browserClient({
    runInSuites: ['browser'],
    launcher: (config) =>
      chromium.launch({
        ...config,
        headless: true,
        executablePath: chromiumPath(),
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
  }),
  sessionBrowserClient(app),
  authBrowserClient(app),
  awaitedLoginAs(),
]

/** The test database is migrated once per run; each test group empties it before every test. */
export const runnerHooks: Required<Pick<Config, 'setup' | 'teardown'>> = {
  setup: [
    async () => {
      await testUtils.db().migrate()
    },
  ],
  teardown: [],
}

export const configureSuite: Config['configureSuite'] = (suite) => {
  if (['browser', 'functional'].includes(suite.name)) {
    suite.setup(() => testUtils.httpServer().start())
  }
}
