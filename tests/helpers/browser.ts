import { existsSync } from 'node:fs'
import type { Locator, Page } from 'playwright-core'

/** Debian's Chromium (apt-get install chromium), or CHROMIUM_PATH. */
export function chromiumPath() {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
  ].filter(Boolean)
  const found = candidates.find((path) => existsSync(path!))
  if (!found) {
    throw new Error(
      'Chromium not found: install it with `apt-get install -y chromium` or set CHROMIUM_PATH'
    )
  }
  return found
}

/**
 * Chooses an option of a <select> with the arrow keys only, as a keyboard user can: focus, Home,
 * then ArrowDown until the option shows. (Type-ahead resets after a second without a key, which a
 * loaded machine exceeds between two keystrokes.)
 */
export async function chooseWithArrowKeys(page: Page, select: Locator, label: string) {
  await select.focus()
  await page.keyboard.press('Home')
  for (let step = 0; step < 100; step++) {
    const chosen = await select.evaluate((element) => {
      // (runs in the page; the project's types have no DOM)
      const option = (element as unknown as { selectedOptions: ArrayLike<{ label: string }> })
        .selectedOptions[0]
      return option ? option.label : null
    })
    if (chosen === label) return
    await page.keyboard.press('ArrowDown')
  }
  throw new Error(`The arrow keys never reached the option "${label}"`)
}
