import { inject } from '@adonisjs/core'
import type { Infer } from '@vinejs/vine/types'
import type Account from '#models/account'
import type Product from '#models/product'
import type { ProductSettings } from '#models/product'
import type { productSettingsValidator } from '#validators/product_settings'
import SyncLogService from '#services/sync_log_service'

export type SettingsInput = Infer<typeof productSettingsValidator>

/** Saves a product's self-service settings and logs which ones changed and who changed them. */
@inject()
export default class ProductSettingsService {
  constructor(protected logs: SyncLogService) {}

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
      skipCompanyIds: [
        ...new Set(
          (input.skipCompanyIds ?? '')
            .split(/[\s,]+/)
            .filter(Boolean)
            .map(Number)
        ),
      ],
      createContacts: input.createContacts ?? false,
      matchContactsByName: input.matchContactsByName ?? false,
      maxTransientAttempts: input.maxTransientAttempts,
      roundingLine: {
        enabled: input.roundingLineEnabled ?? false,
        accountCode: input.roundingAccountCode ?? null,
        tolerance: input.roundingTolerance.toFixed(2),
      },
      stampWebServiceDate: input.stampWebServiceDate ?? false,
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
    if (changed.length === 0) return { changed }
    product.settings = after
    await product.save()
    await this.logs.write({
      productId: product.id,
      event: 'settings.changed',
      message: `Settings changed by ${actor}: ${changed.join(', ')}`,
      actor,
    })
    return { changed }
  }
}
