import axios from 'axios'
import autotaskConfig from '#config/autotask'
import {
  HttpAutotaskClient,
  type HttpAutotaskClientOptions,
} from '#integrations/autotask/http_autotask_client'
import type { AutotaskCredentials } from '#integrations/autotask/types'
import {
  AUTOTASK_SANDBOX_USER,
  startAutotaskSandbox,
  type AutotaskSandbox,
  type AutotaskSandboxOptions,
} from '#sandbox/autotask/index'

/** Small, fast data unless a test asks for more; always on an ephemeral port. */
export async function startTestSandbox(
  options: AutotaskSandboxOptions = {},
  cleanup?: (fn: () => Promise<void>) => void
): Promise<AutotaskSandbox> {
  const sandbox = await startAutotaskSandbox({
    port: 0,
    invoices: 30,
    companies: 15,
    largeInvoiceLines: 0,
    slowdownLatencyMs: { over50: 0, over75: 0 },
    ...options,
  })
  cleanup?.(() => sandbox.close())
  return sandbox
}

/** A client built from config/autotask.ts, pointed at the sandbox's zone look-up. */
export function sandboxClient(
  sandbox: AutotaskSandbox,
  credentials: Partial<AutotaskCredentials> = {},
  options: Partial<HttpAutotaskClientOptions> = {}
): HttpAutotaskClient {
  const base = new HttpAutotaskClient({
    ...autotaskConfig,
    zoneLookupUrl: sandbox.lookupUrl,
    ...options,
  })
  return base.connect({
    username: AUTOTASK_SANDBOX_USER.username,
    secret: AUTOTASK_SANDBOX_USER.secret,
    integrationCode: AUTOTASK_SANDBOX_USER.integrationCode,
    ...credentials,
  })
}

/** Turns a sandbox knob over HTTP, as the demo and benchmarks do. */
export async function knob<T = any>(
  sandbox: AutotaskSandbox,
  method: string,
  path: string,
  body?: unknown
): Promise<T> {
  const response = await axios.request({ method, url: `${sandbox.knobsUrl}${path}`, data: body })
  return response.data as T
}

/** The sandbox user's headers, for raw requests that bypass the client. */
export const sandboxHeaders = {
  ApiIntegrationCode: AUTOTASK_SANDBOX_USER.integrationCode,
  UserName: AUTOTASK_SANDBOX_USER.username,
  Secret: AUTOTASK_SANDBOX_USER.secret,
}

/** Collects every page of an async page iterator. */
export async function allPages<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const collected: T[][] = []
  for await (const page of pages) collected.push(page)
  return collected
}
