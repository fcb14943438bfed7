import { spawnSync } from 'node:child_process'

/**
 * `node ace build` type-checks the app, and the route names its redirects use
 * are typed by `.adonisjs/server/routes.d.ts`, which only the dev server, the
 * test runner and `node ace codegen` write. On a fresh clone that file does not
 * exist yet, so the build generates it first (assembler's buildStarting hook).
 */
export default function codegenBeforeBuild() {
  // In the test environment, as `npm run typecheck` runs it: codegen boots the app, whose environment is
  // validated, and a clone being built may have no .env yet (.env.test is committed). Route types do not
  // depend on the environment.
  const generated = spawnSync(process.execPath, ['ace', 'codegen'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test' },
  })
  if (generated.status !== 0) throw new Error('node ace codegen failed: see its output above')
}
