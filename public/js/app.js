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

// A slot that loads itself (hx-trigger="load") says so when the request fails instead of loading forever.
document.addEventListener('DOMContentLoaded', () => {
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
})
