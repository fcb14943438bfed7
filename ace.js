/*
| JavaScript entrypoint for Ace: registers the TypeScript loader, then boots bin/console.ts.
| Overwritten by `node ace build` in production builds.
*/
import '@poppinss/ts-exec'

await import('./bin/console.js')
