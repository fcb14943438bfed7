import { inject } from '@adonisjs/core'
import type { Infer } from '@vinejs/vine/types'
import type Account from '#models/account'
import type Product from '#models/product'
import type { ProductSettings } from '#models/product'
import type { productSettingsValidator } from '#validators/product_settings'
import type { SettingsChoices } from '#validators/product_settings'
import SyncLogService from '#services/sync_log_service'
import { changesOf } from '#services/audit_service'
import SyncLog from '#models/sync_log'
import LiveListService, { type LiveListView } from '#services/live_list_service'
import type { LiveListKind } from '#enums/live_list'

export type SettingsInput = Infer<typeof productSettingsValidator>

/** The lists the settings page chooses from. */
export const SETTINGS_LISTS = [
  'xero_accounts',
  'xero_tax_rates',
  'xero_branding_themes',
  'xero_currencies',
  'autotask_po_statuses',
  'autotask_companies',
] as const satisfies readonly LiveListKind[]

export type SettingsLists = Record<(typeof SETTINGS_LISTS)[number], LiveListView>

/** A list-backed setting: which list it takes its value from and how the page labels it. */
export interface ListField {
  name:
    | 'roundingAccountCode'
    | 'uncodedAccountCode'
    | 'brandingThemeId'
    | 'purchaseOrderAccountCode'
    | 'purchaseOrderTaxType'
    | 'purchaseOrderTriggerStatus'
  kind: (typeof SETTINGS_LISTS)[number]
  label: string
  /** the choice meaning "none", when the setting may be empty */
  blank: string | null
}

export const LIST_FIELDS: Record<ListField['name'], ListField> = {
  roundingAccountCode: {
    name: 'roundingAccountCode',
    kind: 'xero_accounts',
    label: 'Rounding account',
    blank: 'No rounding account',
  },
  uncodedAccountCode: {
    name: 'uncodedAccountCode',
    kind: 'xero_accounts',
    label: 'Uncoded account, for lines no mapping covers',
    blank: 'None: such invoices fault until mapped',
  },
  brandingThemeId: {
    name: 'brandingThemeId',
    kind: 'xero_branding_themes',
    label: 'Branding theme',
    blank: "Xero's default theme",
  },
  purchaseOrderTriggerStatus: {
    name: 'purchaseOrderTriggerStatus',
    kind: 'autotask_po_statuses',
    label: 'Autotask PO status that triggers the sync',
    blank: null,
  },
  purchaseOrderAccountCode: {
    name: 'purchaseOrderAccountCode',
    kind: 'xero_accounts',
    label: 'Xero account of PO lines',
    blank: null,
  },
  purchaseOrderTaxType: {
    name: 'purchaseOrderTaxType',
    kind: 'xero_tax_rates',
    label: 'Xero tax rate of PO lines',
    blank: null,
  },
}

/** The value a list-backed setting holds now, as the form sends it. */
export function currentValue(settings: ProductSettings, field: ListField['name']): string {
  switch (field) {
    case 'roundingAccountCode':
      return settings.roundingLine.accountCode ?? ''
    case 'uncodedAccountCode':
      return settings.uncodedAccountCode ?? ''
    case 'brandingThemeId':
      return settings.brandingThemeId ?? ''
    case 'purchaseOrderTriggerStatus':
      return String(settings.purchaseOrders.triggerStatus)
    case 'purchaseOrderAccountCode':
      return settings.purchaseOrders.accountCode
    case 'purchaseOrderTaxType':
      return settings.purchaseOrders.taxType
  }
}

/** Saves a product's self-service settings and logs which ones changed and who changed them. */
@inject()
export default class ProductSettingsService {
  constructor(
    protected logs: SyncLogService,
    protected liveLists: LiveListService
  ) {}

  /** The lists the page shows, the companies never synced (with their names), and what each field may take. */
  async form(product: Product) {
    const settings = product.effectiveSettings
    const lists: SettingsLists = await this.liveLists.lists(product, SETTINGS_LISTS)
    const values = (kind: keyof SettingsLists) => lists[kind].entries.map((entry) => entry.value)
    const skipped = settings.skipCompanyIds.map(String)
    const companyNames = new Map(
      lists.autotask_companies.entries.map((entry) => [entry.value, entry.label])
    )
    // A stored value stays choosable even when the list no longer has it (or could not be fetched).
    const choices: SettingsChoices = {
      accounts: [
        ...values('xero_accounts'),
        currentValue(settings, 'roundingAccountCode'),
        currentValue(settings, 'uncodedAccountCode'),
        currentValue(settings, 'purchaseOrderAccountCode'),
      ].filter(Boolean),
      taxRates: [...values('xero_tax_rates'), currentValue(settings, 'purchaseOrderTaxType')],
      brandingThemes: [
        ...values('xero_branding_themes'),
        currentValue(settings, 'brandingThemeId'),
      ].filter(Boolean),
      purchaseOrderStatuses: [
        ...values('autotask_po_statuses'),
        currentValue(settings, 'purchaseOrderTriggerStatus'),
      ],
      companies: [...values('autotask_companies'), ...skipped],
    }
    const uncoded = await SyncLog.query()
      .where('product_id', product.id)
      .where('event', 'invoice.uncoded_line')
      .count('* as total')
      .first()
    return {
      lists,
      choices,
      /** invoice lines sent to the uncoded account so far (each one logged) */
      uncodedLines: Number(uncoded?.$extras.total ?? 0),
      skippedCompanies: skipped.map((id) => ({
        value: id,
        label: companyNames.get(id) ?? `Company #${id} (not in the Autotask list)`,
      })),
    }
  }

  async update(product: Product, account: Account, input: SettingsInput, actor: string) {
    const before = product.effectiveSettings
    const after: ProductSettings = {
      ...before,
      invoiceStatus: input.invoiceStatus,
      numbering: input.numbering,
      numberPrefix: input.numbering === 'prefix' ? (input.numberPrefix ?? '') : '',
      dueDateSource: input.dueDateSource,
      daysBack: input.daysBack,
      referenceFromPoNumber: input.referenceFromPoNumber ?? false,
      skipZeroTotal: input.skipZeroTotal ?? false,
      skipCompanyIds: [...new Set((input.skipCompanyIds ?? []).map(Number))],
      createContacts: input.createContacts ?? false,
      matchContactsByName: input.matchContactsByName ?? false,
      fillLinkedContacts: input.fillLinkedContacts ?? false,
      updateContactDetails: input.updateContactDetails ?? false,
      maxTransientAttempts: input.maxTransientAttempts,
      roundingLine: {
        enabled: input.roundingLineEnabled ?? false,
        accountCode: input.roundingAccountCode ?? null,
        tolerance: input.roundingTolerance.toFixed(2),
      },
      stampWebServiceDate: input.stampWebServiceDate ?? false,
      brandingThemeId: input.brandingThemeId ?? null,
      uncodedAccountCode: input.uncodedAccountCode ?? null,
      paymentsToAutotask: input.paymentsToAutotask ?? false,
      voidsToXero: input.voidsToXero ?? false,
      creditNotes: input.creditNotes ?? false,
      creditNoteAllocation: input.creditNoteAllocation ?? before.creditNoteAllocation,
      slackChannel: input.slackChannel ?? null,
      purchaseOrders: {
        // Purchase orders stay off on plans without them, whatever the form says.
        enabled: account.features.purchaseOrders && (input.purchaseOrdersEnabled ?? false),
        documentType: input.purchaseOrderDocumentType,
        triggerStatus: input.purchaseOrderTriggerStatus,
        accountCode: input.purchaseOrderAccountCode ?? before.purchaseOrders.accountCode,
        taxType: input.purchaseOrderTaxType ?? before.purchaseOrders.taxType,
      },
    }
    const changed = (Object.keys(after) as (keyof ProductSettings)[]).filter(
      (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])
    )
    const changes = changesOf(before, after)
    if (changed.length === 0) return { changed, changes }
    product.settings = after
    await product.save()
    await this.logs.write({
      productId: product.id,
      event: 'settings.changed',
      message: `Settings changed by ${actor}: ${changed.join(', ')}`,
      actor,
    })
    return { changed, changes }
  }
}
