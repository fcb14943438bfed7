import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, targets } from '@adonisjs/core/logger'

const loggerConfig = defineConfig({
  default: 'app',
  loggers: {
    app: {
      enabled: true,
      name: 'accounting-toolbox',
      level: env.get('LOG_LEVEL', 'info'),
      /**
       * Secrets never reach a log line, whatever a caller passes in.
       */
      redact: {
        paths: [
          'password',
          '*.password',
          'secret',
          '*.secret',
          '*.autotaskSecret',
          '*.accessToken',
          '*.refreshToken',
          '*.access_token',
          '*.refresh_token',
          'headers.authorization',
          '*.headers.authorization',
          '*.headers.Secret',
        ],
        censor: '[redacted]',
      },
      transport: {
        targets: targets()
          .pushIf(!app.inProduction, targets.pretty())
          .pushIf(app.inProduction, targets.file({ destination: 1 }))
          .toArray(),
      },
    },
  },
})

export default loggerConfig

declare module '@adonisjs/core/types' {
  export interface LoggersList extends InferLoggers<typeof loggerConfig> {}
}
