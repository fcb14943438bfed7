import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { AutotaskSandboxSnapshot, AutotaskSandboxState } from '#sandbox/autotask/state'
import type { XeroSandboxSnapshot, XeroSandboxState } from '#sandbox/xero/state'
import type { SlackSandboxSnapshot, SlackSandboxState } from '#sandbox/slack/state'

/** The file `sandbox:serve --state=FILE` keeps: the three sandboxes' data as JSON. */
interface SandboxStateDocument {
  version: 1
  savedAt: string
  autotask: AutotaskSandboxSnapshot
  xero: XeroSandboxSnapshot
  slack: SlackSandboxSnapshot
}

type SandboxSnapshots = Pick<SandboxStateDocument, 'autotask' | 'xero' | 'slack'>

/** A state file that cannot be read: the sandboxes refuse to start rather than overwrite it. */
export class SandboxStateFileError extends Error {}

/**
 * Keeps the sandboxes' state in a file, so a restarted demo finds the invoices, contacts and tokens
 * its database points at (issue 18: a restart must not leave the database linked to invoices the Xero
 * sandbox no longer has). Strict by choice: the real services keep their data, so the sandboxes do too,
 * and a file that cannot be read stops the start instead of being replaced.
 */
export class SandboxStateFile {
  #lastData: string | null = null
  #timer: NodeJS.Timeout | null = null

  constructor(
    readonly path: string,
    private sandboxes: {
      autotask: AutotaskSandboxState
      xero: XeroSandboxState
      slack: SlackSandboxState
    }
  ) {}

  /** Loads the file when it exists; false when there is none (the sandboxes keep their fresh seed). */
  load(): boolean {
    if (!existsSync(this.path)) return false
    let document: SandboxStateDocument
    try {
      document = JSON.parse(readFileSync(this.path, 'utf8')) as SandboxStateDocument
    } catch (error) {
      throw new SandboxStateFileError(
        `The sandboxes' saved state ${this.path} cannot be read (${(error as Error).message}): move it away to start the sandboxes afresh`
      )
    }
    if (document?.version !== 1 || !document.autotask || !document.xero || !document.slack) {
      throw new SandboxStateFileError(
        `The sandboxes' saved state ${this.path} is not a state file this version knows: move it away to start the sandboxes afresh`
      )
    }
    this.sandboxes.autotask.restore(document.autotask)
    this.sandboxes.xero.restore(document.xero)
    this.sandboxes.slack.restore(document.slack)
    this.#lastData = this.#data(this.#snapshot())
    return true
  }

  /** Writes the file (whole, then renamed over the old one) when the data changed, or always when `force`. */
  save(force = false): boolean {
    const snapshot = this.#snapshot()
    const data = this.#data(snapshot)
    if (!force && data === this.#lastData) return false
    const document: SandboxStateDocument = {
      version: 1,
      savedAt: new Date().toISOString(),
      ...snapshot,
    }
    mkdirSync(dirname(this.path), { recursive: true })
    const temporary = `${this.path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(document))
    renameSync(temporary, this.path)
    this.#lastData = data
    return true
  }

  /** Saves every `intervalMs` when something changed, until `stop()`. */
  watch(intervalMs = 1000) {
    this.#timer = setInterval(() => this.save(), intervalMs)
    this.#timer.unref()
  }

  /** Stops watching and saves once more. */
  stop() {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    this.save(true)
  }

  #snapshot(): SandboxSnapshots {
    return {
      autotask: this.sandboxes.autotask.snapshot(),
      xero: this.sandboxes.xero.snapshot(),
      slack: this.sandboxes.slack.snapshot(),
    }
  }

  /** The snapshot without the clock reading, which changes every millisecond. */
  #data(snapshot: SandboxSnapshots) {
    return JSON.stringify({ ...snapshot, autotask: { ...snapshot.autotask, clock: null } })
  }
}
