import vine from '@vinejs/vine'

/** Step 2: the Autotask API user. Nothing is trimmed from the secret: spaces can be part of it. */
export const autotaskCredentialsValidator = vine.compile(
  vine.object({
    username: vine.string().trim().email().maxLength(255),
    secret: vine.string().minLength(1).maxLength(255),
    integrationCode: vine.string().trim().minLength(5).maxLength(100),
  })
)

/** Step 3: the Xero organisation picked when the sign-in allowed several. */
export const xeroOrganisationValidator = vine.compile(
  vine.object({
    tenantId: vine.string().trim().maxLength(100),
  })
)

/** The query string Xero redirects back with. */
export const xeroCallbackValidator = vine.compile(
  vine.object({
    code: vine.string().maxLength(2000).optional(),
    state: vine.string().maxLength(500).optional(),
    error: vine.string().maxLength(200).optional(),
  })
)

const xeroValue = () => vine.string().trim().maxLength(100).optional()

const perDimension = <T>(value: () => T) => ({
  territory: value(),
  department: value(),
  line_of_business: value(),
})

/**
 * Step 4: one Xero value per Autotask tax region and billing code (blank = not mapped), the default
 * account, the tracking category of each dimension and the option of each value, and a theme per template.
 */
export const mappingsValidator = vine.compile(
  vine.object({
    trackingCategories: vine.object(perDimension(xeroValue)).optional(),
    trackingOptions: vine
      .object(perDimension(() => vine.record(xeroValue()).optional()))
      .optional(),
    trackingUnmapped: vine.enum(['untracked', 'fault'] as const).optional(),
    invoiceTemplates: vine.record(xeroValue()).optional(),
    taxRegions: vine.record(xeroValue()).optional(),
    billingCodes: vine.record(xeroValue()).optional(),
    billingCodeItems: vine.record(xeroValue()).optional(),
    defaultAccount: vine.string().trim().maxLength(100),
  })
)
