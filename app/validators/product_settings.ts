import vine from '@vinejs/vine'

const checkbox = () => vine.boolean().optional()

/** The product settings form. Unticked checkboxes are absent from the body and mean false. */
export const productSettingsValidator = vine.compile(
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
    skipCompanyIds: vine
      .string()
      .trim()
      .maxLength(2000)
      .regex(/^[\d,\s]*$/)
      .optional(),
    createContacts: checkbox(),
    matchContactsByName: checkbox(),
    maxTransientAttempts: vine.number().withoutDecimals().min(1).max(50),
    roundingLineEnabled: checkbox(),
    roundingAccountCode: vine
      .string()
      .trim()
      .maxLength(20)
      .optional()
      .requiredIfExists('roundingLineEnabled'),
    roundingTolerance: vine.number().min(0).max(10).decimal([0, 2]),
    stampWebServiceDate: checkbox(),
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
    purchaseOrderTriggerStatus: vine.number().withoutDecimals().min(0).max(100),
    purchaseOrderAccountCode: vine.string().trim().maxLength(20).optional(),
    purchaseOrderTaxType: vine.string().trim().maxLength(50).optional(),
  })
)
