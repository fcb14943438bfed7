import { defineConfig } from '@adonisjs/shield'
import xeroConfig from '#config/xero'

const shieldConfig = defineConfig({
  /**
   * Every script and style is served by the app itself (htmx, Alpine and Bulma
   * from npm), so the policy allows only our own origin. Alpine evaluates its
   * expressions with `new Function`, hence 'unsafe-eval'.
   */
  csp: {
    enabled: true,
    directives: {
      defaultSrc: [`'self'`],
      scriptSrc: [`'self'`, `'unsafe-eval'`, '@nonce'],
      styleSrc: [`'self'`, `'unsafe-inline'`],
      imgSrc: [`'self'`, 'data:'],
      frameSrc: [`'self'`],
      frameAncestors: [`'self'`],
      // "Connect to Xero" posts to us and is redirected to Xero's consent page; browsers check redirects against form-action.
      formAction: [`'self'`, new URL(xeroConfig.authorizeUrl).origin],
      objectSrc: [`'none'`],
    },
    reportOnly: false,
  },
  csrf: {
    enabled: true,
    exceptRoutes: ['/slack/events', '/slack/commands', '/slack/actions'],
    enableXsrfCookie: false,
    methods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  },
  xFrame: {
    enabled: true,
    action: 'SAMEORIGIN',
  },
  hsts: {
    enabled: true,
    maxAge: '180 days',
  },
  contentTypeSniffing: {
    enabled: true,
  },
})

export default shieldConfig
