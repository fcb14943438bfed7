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
      /**
       * Production writes JSON lines to stdout from the process itself (pino's default destination).
       * A pino transport runs in a worker thread, a second V8 isolate: about 35 MB of resident memory
       * in every web and worker process for lines that need no work. Development keeps pino-pretty.
       */
      ...(app.inProduction ? {} : { transport: { targets: [targets.pretty()] } }),
    },
  },
})

export default loggerConfig

declare module '@adonisjs/core/types' {
  export interface LoggersList extends InferLoggers<typeof loggerConfig> {}
}
