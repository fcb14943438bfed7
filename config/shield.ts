import { defineConfig } from '@adonisjs/shield'

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
      formAction: [`'self'`],
      objectSrc: [`'none'`],
    },
    reportOnly: false,
  },
  csrf: {
    enabled: true,
    exceptRoutes: [],
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
