import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import type { FieldContext } from '@vinejs/vine/types'

const checkbox = () => vine.boolean().optional()

/** What each list-backed setting may take: the values of its live list (and the value stored now). */
export interface SettingsChoices {
  accounts: string[]
  taxRates: string[]
  brandingThemes: string[]
  purchaseOrderStatuses: string[]
  companies: string[]
}

const choicesOf = (list: keyof SettingsChoices) => (field: FieldContext) =>
  (field.meta as SettingsChoices)[list]

/** The product settings form. Unticked checkboxes are absent from the body and mean false. */
export const productSettingsValidator = vine.withMetaData<SettingsChoices>().compile(
  vine.object({
    invoiceStatus: vine.enum(['DRAFT', 'AUTHORISED', 'AUTHORISED_SENT'] as const),
    numbering: vine.enum(['xero', 'autotask', 'prefix'] as const),
    numberPrefix: vine
      .string()
      .trim()
      .maxLength(10)
      .regex(/^[A-Za-z0-9-]*$/)
      .optional()
      .requiredWhen('numbering', '=', 'prefix'),
    dueDateSource: vine.enum(['autotask', 'xero_contact'] as const),
    daysBack: vine.number().withoutDecimals().min(1).max(90),
    referenceFromPoNumber: checkbox(),
    skipZeroTotal: checkbox(),
    /** Autotask company ids, each chosen from the company list. */
    skipCompanyIds: vine
      .array(vine.string().trim().in(choicesOf('companies')))
      .maxLength(1000)
      .optional(),
    createContacts: checkbox(),
    matchContactsByName: checkbox(),
    fillLinkedContacts: checkbox(),
    updateContactDetails: checkbox(),
    maxTransientAttempts: vine.number().withoutDecimals().min(1).max(50),
    roundingLineEnabled: checkbox(),
    roundingAccountCode: vine
      .string()
      .trim()
      .in(choicesOf('accounts'))
      .optional()
      .requiredIfExists('roundingLineEnabled'),
    uncodedAccountCode: vine.string().trim().in(choicesOf('accounts')).optional(),
    roundingTolerance: vine.number().min(0).max(10).decimal([0, 2]),
    stampWebServiceDate: checkbox(),
    brandingThemeId: vine.string().trim().in(choicesOf('brandingThemes')).optional(),
    paymentsToAutotask: checkbox(),
    voidsToXero: checkbox(),
    creditNotes: checkbox(),
    creditNoteAllocation: vine.enum(['none', 'oldest_open'] as const).optional(),
    slackChannel: vine
      .string()
      .trim()
      .maxLength(80)
      .regex(/^(#[a-z0-9_-]+|[CG][A-Z0-9]{6,})$/)
      .optional(),
    purchaseOrdersEnabled: checkbox(),
    purchaseOrderDocumentType: vine.enum(['PURCHASEORDER', 'BILL'] as const),
    purchaseOrderTriggerStatus: vine
      .string()
      .trim()
      .in(choicesOf('purchaseOrderStatuses'))
      .transform((value) => Number(value)),
    purchaseOrderAccountCode: vine.string().trim().in(choicesOf('accounts')).optional(),
    purchaseOrderTaxType: vine.string().trim().in(choicesOf('taxRates')).optional(),
  })
)

productSettingsValidator.messagesProvider = new SimpleMessagesProvider({
  'in': 'Choose a value from the list (press Refresh if yours is missing).',
  'skipCompanyIds.*.in':
    'A chosen company is not in the Autotask company list; search for it again.',
})

/** The company search box of the never-sync list. */
export const companySearchValidator = vine.compile(
  vine.object({ q: vine.string().trim().maxLength(100).optional() })
)
