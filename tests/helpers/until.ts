import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Checks `condition` every `everyMs` until it holds or `timeoutMs` has passed, and says whether it held.
 * The timeout only bounds a failure: a test that passes never waits it out.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 5000, everyMs = 10 }: { timeoutMs?: number; everyMs?: number } = {}
) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await condition()) return true
    await sleep(everyMs)
  }
  return await condition()
}

/**
 * Lets `count` turns of the event loop's timers pass. Work that yields to the loop moves on in every turn, however
 * loaded the machine, so "nothing changed over N turns" does not depend on how fast the clock runs.
 */
export async function timerTurns(count: number) {
  for (let turn = 0; turn < count; turn++) await sleep(0)
}
