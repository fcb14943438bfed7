import { spawnSync } from 'node:child_process'

/**
 * `node ace build` type-checks the app, and the route names its redirects use
 * are typed by `.adonisjs/server/routes.d.ts`, which only the dev server, the
 * test runner and `node ace codegen` write. On a fresh clone that file does not
 * exist yet, so the build generates it first (assembler's buildStarting hook).
 */
export default function codegenBeforeBuild() {
  const generated = spawnSync(process.execPath, ['ace', 'codegen'], { stdio: 'inherit' })
  if (generated.status !== 0) throw new Error('node ace codegen failed: see its output above')
}
