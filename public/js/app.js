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
