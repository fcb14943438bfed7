import app from '@adonisjs/core/services/app'
import env from '#start/env'
import autotaskConfig from '#config/autotask'
import { AutotaskClient } from '#integrations/autotask/autotask_client'
import { HttpAutotaskClient } from '#integrations/autotask/http_autotask_client'
import { XeroGateway } from '#integrations/xero/xero_gateway'
import { XeroOAuth } from '#integrations/xero/xero_oauth'
import { XeroTokenStore } from '#integrations/xero/token_store'
import type { AutotaskSandbox, AutotaskSandboxOptions } from '#sandbox/autotask/index'
import type { XeroSandbox } from '#sandbox/xero/index'
import { startTestSandbox } from '#tests/contract/helpers/autotask_sandbox'
import { startStrictXeroSandbox, xeroStackFor } from '#tests/helpers/xero_sandbox'

/** The app's own callback on the test server (HOST/PORT of the run), as Xero would redirect to it. */
export function testRedirectUri() {
  return `http://${env.get('HOST')}:${env.get('PORT')}/xero/callback`
}

/**
 * Both sandboxes on free ports, with the app's bound Autotask client and Xero
 * classes pointed at them; the returned function closes them and restores the bindings.
 */
export async function useSetupSandboxes(
  options: { autotask?: AutotaskSandboxOptions } = {}
): Promise<{
  autotask: AutotaskSandbox
  xero: XeroSandbox
  stop: () => Promise<void>
}> {
  const autotask = await startTestSandbox(options.autotask)
  const xero = await startStrictXeroSandbox()
  const stack = xeroStackFor(xero, { redirectUri: testRedirectUri() })
  const client = new HttpAutotaskClient({ ...autotaskConfig, zoneLookupUrl: autotask.lookupUrl })
  app.container.swap(AutotaskClient, () => client)
  app.container.swap(XeroOAuth, () => stack.oauth)
  app.container.swap(XeroTokenStore, () => stack.tokens)
  app.container.swap(XeroGateway, () => stack.gateway)
  return {
    autotask,
    xero,
    stop: async () => {
      app.container.restoreAll([AutotaskClient, XeroOAuth, XeroTokenStore, XeroGateway])
      await Promise.all([autotask.close(), xero.close()])
    },
  }
}

/**
 * What a person does on the sandbox's consent page: opens the authorize URL and
 * answers it. Returns the URL Xero sends the browser back to (the app's callback).
 */
export async function answerConsent(
  authorizeUrl: string,
  answer: { decision?: 'allow' | 'deny'; tenantIds?: string[] } = {}
): Promise<URL> {
  const page = await fetch(authorizeUrl)
  const html = await page.text()
  const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1]
  if (!requestId)
    throw new Error(
      `The consent page has no request id (HTTP ${page.status}): ${html.slice(0, 300)}`
    )
  const form = new URLSearchParams({ request_id: requestId, decision: answer.decision ?? 'allow' })
  for (const tenantId of answer.tenantIds ?? []) form.append('tenant_id', tenantId)
  const response = await fetch(new URL('/identity/connect/authorize', authorizeUrl), {
    method: 'POST',
    body: form,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  })
  const location = response.headers.get('location')
  if (!location)
    throw new Error(
      `The consent answer did not redirect (HTTP ${response.status}): ${await response.text()}`
    )
  return new URL(location)
}
