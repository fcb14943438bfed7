import { XERO_SANDBOX_CLIENT_ID, XERO_SANDBOX_CLIENT_SECRET } from '#sandbox/xero/index'

/** The environment that points the app's clients at the sandboxes. */
export function sandboxEnvironment(
  autotaskLookupUrl: string,
  xero: { apiUrl: string; authorizeUrl: string; tokenUrl: string; connectionsUrl: string }
) {
  return [
    `AUTOTASK_ZONE_LOOKUP_URL=${autotaskLookupUrl}`,
    `XERO_API_URL=${xero.apiUrl}`,
    `XERO_AUTHORIZE_URL=${xero.authorizeUrl}`,
    `XERO_TOKEN_URL=${xero.tokenUrl}`,
    `XERO_CONNECTIONS_URL=${xero.connectionsUrl}`,
    `XERO_CLIENT_ID=${XERO_SANDBOX_CLIENT_ID}`,
    `XERO_CLIENT_SECRET=${XERO_SANDBOX_CLIENT_SECRET}`,
  ]
}
