import Mapping from '#models/mapping'
import type Product from '#models/product'
import type { XeroTokenSet } from '#models/product'
import { AUTOTASK_SANDBOX_USER } from '#sandbox/autotask/index'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'

/**
 * The sandbox's set-up as a person would map it, with two things wrong on
 * purpose so faults show: "VAT UK" (region 4) is unmapped, and "GST AU" (10 %)
 * is mapped to NZ GST (15 %), so its totals do not match.
 */
export const sandboxMappings = [
  {
    kind: 'tax_region',
    autotaskValue: '1',
    autotaskLabel: 'GST NZ',
    xeroValue: 'OUTPUT2',
    xeroLabel: 'GST on Income',
  },
  {
    kind: 'tax_region',
    autotaskValue: '2',
    autotaskLabel: 'Exempt',
    xeroValue: 'NONE',
    xeroLabel: 'Tax Exempt',
  },
  {
    kind: 'tax_region',
    autotaskValue: '3',
    autotaskLabel: 'GST AU',
    xeroValue: 'OUTPUT2',
    xeroLabel: 'GST on Income',
  },
  {
    kind: 'tax_region',
    autotaskValue: 'exempt',
    autotaskLabel: 'Lines without tax',
    xeroValue: 'NONE',
    xeroLabel: 'Tax Exempt',
  },
  {
    kind: 'billing_code',
    autotaskValue: '*',
    autotaskLabel: 'Default',
    xeroValue: '200',
    xeroLabel: 'Sales',
  },
  {
    kind: 'billing_code',
    autotaskValue: '29682804',
    autotaskLabel: 'Hardware',
    xeroValue: '260',
    xeroLabel: 'Other Revenue',
  },
] as const

/** Connects a product to the sandboxes and maps it: the demo, the engine tests and the benchmarks share it. */
export default class SandboxSetup {
  async connect(
    product: Product,
    xeroTokens: XeroTokenSet,
    tenant: { tenantId: string; name: string } = XERO_SANDBOX_TENANTS.nz
  ) {
    product.merge({
      autotaskUsername: AUTOTASK_SANDBOX_USER.username,
      autotaskSecret: AUTOTASK_SANDBOX_USER.secret,
      autotaskIntegrationCode: AUTOTASK_SANDBOX_USER.integrationCode,
      autotaskZoneUrl: null,
      xeroTenantId: tenant.tenantId,
      xeroTenantName: tenant.name,
      xeroTokens,
      xeroHealth: 'ok',
      xeroHealthMessage: null,
    })
    await product.save()
    for (const mapping of sandboxMappings) {
      await Mapping.updateOrCreate(
        { productId: product.id, kind: mapping.kind, autotaskValue: mapping.autotaskValue },
        {
          autotaskLabel: mapping.autotaskLabel,
          xeroValue: mapping.xeroValue,
          xeroLabel: mapping.xeroLabel,
        }
      )
    }
    return product
  }
}
