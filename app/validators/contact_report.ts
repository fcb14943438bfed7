import vine from '@vinejs/vine'

/** The contact report's search box and page. */
export const contactReportFiltersValidator = vine.compile(
  vine.object({
    q: vine.string().trim().maxLength(100).optional(),
    page: vine.number().withoutDecimals().min(1).max(100_000).optional(),
  })
)

/** Link: the Xero contact chosen among the company's candidates. */
export const contactLinkValidator = vine.compile(
  vine.object({
    contactId: vine.string().trim().uuid(),
  })
)
