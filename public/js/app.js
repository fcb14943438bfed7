// htmx: let 422 (form errors) and 429 (throttled) responses swap so forms re-render with their messages.
document.addEventListener('DOMContentLoaded', () => {
  if (!window.htmx) return
  window.htmx.config.responseHandling = [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '422', swap: true },
    { code: '429', swap: true },
    { code: '[45]..', swap: false, error: true },
  ]
})

// htmx wires up the links and forms of swapped-in content only when it settles (20 ms after the swap, far
// longer on a loaded machine). Until then a row's status link is a plain link: Enter follows its href to the
// whole-page view instead of opening the dialog, and focus is lost. Wire it up in the swap itself; htmx's
// own pass at settle then finds it done (it skips elements whose hx- attributes it has already seen).
document.addEventListener('htmx:afterSwap', (event) => {
  if (window.htmx && event.target instanceof Element && event.target.isConnected)
    window.htmx.process(event.target)
})

// Keyboard and focus: what Bulma, htmx and <dialog> leave to the page.
window.toolbox = (() => {
  const focusable =
    'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), ' +
    'textarea:not([disabled]), summary, iframe, [tabindex]:not([tabindex="-1"])'
  /**
   * dialog id → what opened it (its id, the element, and the id of the region around it), so focus can go back even
   * after htmx replaced it, and the dialog now showing for it (a dialog that replaced the first one takes its place).
   */
  const openers = new Map()

  const focusablesIn = (root) =>
    [...root.querySelectorAll(focusable)].filter(
      (el) => el.tabIndex >= 0 && el.getClientRects().length > 0
    )

  const topModal = () =>
    [...document.querySelectorAll('dialog[open]')]
      .reverse()
      .find((dialog) => dialog.matches(':modal'))

  const focusLost = () => !document.activeElement || document.activeElement === document.body

  /**
   * Shows a dialog as modal and remembers what opened it. A dialog that replaces
   * another (an action re-rendered it, or "View originals" swapped in) keeps the
   * first one's opener, since its own opener is gone.
   */
  function openDialog(dialog) {
    if (!dialog || dialog.open) return
    const active = document.activeElement
    if (active && active !== document.body && !active.closest('dialog')) {
      const region = active.parentElement?.closest('[id]')?.id ?? null
      openers.set(dialog.id, { id: active.id || null, element: active, region, dialog })
    } else if (openers.has(dialog.id)) {
      openers.get(dialog.id).dialog = dialog
    }
    dialog.showModal()
  }

  // Escape or a close button: focus goes back to the button that opened the dialog (found by id if htmx replaced it),
  // or, if it is gone (the grid no longer lists the row), into the region it was in rather than to the page top.
  function dialogClosed(dialog) {
    const opener = openers.get(dialog.id)
    if (!opener || opener.dialog !== dialog) return
    openers.delete(dialog.id)
    if (topModal()) return
    // The browser itself focuses what had focus when the dialog opened, if that is still in the page: leave it there.
    if (!focusLost() && !dialog.contains(document.activeElement)) return
    const region = opener.region && document.getElementById(opener.region)
    const target =
      (opener.id && document.getElementById(opener.id)) ||
      (opener.element.isConnected ? opener.element : null) ||
      (region && (focusablesIn(region)[0] || region))
    if (!target) return
    if (!target.matches(focusable)) target.setAttribute('tabindex', '-1')
    target.focus()
  }

  // This runs when the dialog loses its open attribute, in the same turn as the Escape or click that closed it, not on
  // the close event: that is queued and can come after the person's next keys (Shift+Tab, Enter on another row's
  // button), so acting on it took focus back from where they had moved, and the next dialog then recorded that
  // stolen focus as its opener.
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.target instanceof HTMLDialogElement && !record.target.open)
        dialogClosed(record.target)
    }
  }).observe(document, { subtree: true, attributeFilter: ['open'] })

  // Tab and Shift+Tab stay inside an open modal dialog, wrapping at both ends.
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab' || event.altKey || event.ctrlKey || event.metaKey) return
    const dialog = topModal()
    if (!dialog) return
    const items = focusablesIn(dialog)
    const active = document.activeElement
    if (items.length === 0) return event.preventDefault()
    const first = items[0]
    const last = items[items.length - 1]
    if (!dialog.contains(active)) {
      event.preventDefault()
      ;(event.shiftKey ? last : first).focus()
    } else if (event.shiftKey && active === first) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && active === last) {
      event.preventDefault()
      first.focus()
    }
  })

  // Links styled as buttons (they open dialogs and still work without JavaScript) answer Space like buttons.
  const linkButton = (event) =>
    event.key === ' ' && event.target instanceof Element && event.target.matches('a[role="button"]')
  document.addEventListener('keydown', (event) => {
    if (linkButton(event)) event.preventDefault()
  })
  document.addEventListener('keyup', (event) => {
    if (!linkButton(event)) return
    event.preventDefault()
    event.target.click()
  })

  // When a swap removes the focused element and htmx finds no element with the same id, focus the
  // part a person needs next (an invalid field, the message, the new content) instead of the page top.
  // Kept per request (its XMLHttpRequest), so a second swap settling in between cannot clear the first's.
  const swapsThatHadFocus = new WeakSet()
  document.addEventListener('htmx:beforeSwap', (event) => {
    const active = document.activeElement
    const request = event.detail.xhr
    if (request && active && active !== document.body && event.detail.target?.contains(active))
      swapsThatHadFocus.add(request)
  })
  document.addEventListener('htmx:afterSettle', (event) => {
    if (!swapsThatHadFocus.delete(event.detail.xhr)) return
    if (!focusLost()) return
    const scope = topModal() || document.querySelector('main') || document.body
    const next =
      scope.querySelector('[aria-invalid="true"]') ||
      scope.querySelector('[data-focus-after-swap]') ||
      scope.querySelector('[role="alert"], [role="status"]') ||
      focusablesIn(scope)[0]
    if (!next) return
    if (!next.matches(focusable)) next.setAttribute('tabindex', '-1')
    next.focus()
  })

  // A slot that loads itself (hx-trigger="load") says so when the request fails instead of loading forever.
  const loadFailed = (event) => {
    const slot = event.detail.elt?.closest?.('[data-load-error]')
    if (!slot) return
    const message = document.createElement('p')
    message.className = 'notification is-danger is-light'
    message.setAttribute('role', 'alert')
    message.textContent = slot.getAttribute('data-load-error')
    slot.removeAttribute('aria-busy')
    slot.replaceChildren(message)
  }
  document.addEventListener('htmx:responseError', loadFailed)
  document.addEventListener('htmx:sendError', loadFailed)

  return { openDialog }
})()
