import { randomUUID } from 'node:crypto'
import type {
  SandboxAccount,
  SandboxContact,
  SandboxItem,
  SandboxOrganisation,
  SandboxTaxRate,
  SandboxTrackingCategory,
  SandboxBrandingTheme,
} from '#sandbox/xero/types'

/** The one OAuth client the sandbox knows (PRODUCT.md §7). */
export const XERO_SANDBOX_CLIENT_ID = 'AT0SANDBOX0CLIENT0ID0000000000000'
export const XERO_SANDBOX_CLIENT_SECRET = 'sandbox-xero-client-secret-do-not-use-in-production'

/** Fixed tenant ids so seeds, demos and tests can name an organisation. */
export const XERO_SANDBOX_TENANTS = {
  nz: { tenantId: '8a5f6c2e-1d3b-4c7a-9e11-0a6b2c3d4e01', name: 'Harbour IT Services (NZ)' },
  au: { tenantId: '8a5f6c2e-1d3b-4c7a-9e11-0a6b2c3d4e02', name: 'Southern Cross Tech (AU)' },
} as const

/** Account codes seeded in every organisation. */
export const XERO_SANDBOX_ACCOUNT_CODES = {
  bank: '090',
  sales: '200',
  otherRevenue: '260',
  interestIncome: '270',
  purchases: '300',
  costOfGoodsSold: '310',
  advertising: '400',
  generalExpenses: '429',
  accountsReceivable: '610',
  accountsPayable: '800',
  roundingAccount: '860',
} as const

/** Tax types seeded in every organisation. */
export const XERO_SANDBOX_TAX_TYPES = {
  gstOnIncome: 'OUTPUT2',
  gstOnExpenses: 'INPUT2',
  taxExempt: 'NONE',
  zeroRated: 'ZERORATED',
} as const

/** Contact numbers of seeded contacts: the Autotask company ids the demo data uses. */
export const XERO_SANDBOX_CONTACT_NUMBERS = ['1001', '1002', '1003', '1004'] as const

const SEED_TIME = Date.UTC(2024, 0, 15, 9, 0, 0)

function taxRates(gstRate: number): SandboxTaxRate[] {
  const rate = (
    name: string,
    taxType: string,
    value: number,
    revenue: boolean,
    expenses: boolean
  ) => ({
    Name: name,
    TaxType: taxType,
    TaxComponents: [
      {
        Name: value === 0 ? 'No Tax' : 'GST',
        Rate: value,
        IsCompound: false,
        IsNonRecoverable: false,
      },
    ],
    Status: 'ACTIVE',
    ReportTaxType: revenue ? 'OUTPUT' : 'INPUT',
    CanApplyToAssets: true,
    CanApplyToEquity: true,
    CanApplyToExpenses: expenses,
    CanApplyToLiabilities: true,
    CanApplyToRevenue: revenue,
    DisplayTaxRate: value,
    EffectiveRate: value,
  })
  return [
    rate('GST on Income', XERO_SANDBOX_TAX_TYPES.gstOnIncome, gstRate, true, false),
    rate('GST on Expenses', XERO_SANDBOX_TAX_TYPES.gstOnExpenses, gstRate, false, true),
    rate('Tax Exempt', XERO_SANDBOX_TAX_TYPES.taxExempt, 0, true, true),
    rate('Zero Rated', XERO_SANDBOX_TAX_TYPES.zeroRated, 0, true, true),
  ]
}

function accounts(): SandboxAccount[] {
  const c = XERO_SANDBOX_ACCOUNT_CODES
  const t = XERO_SANDBOX_TAX_TYPES
  const account = (
    code: string,
    name: string,
    type: string,
    accountClass: string,
    taxType: string
  ) => ({
    AccountID: randomUUID(),
    Code: code,
    Name: name,
    Type: type,
    Class: accountClass,
    TaxType: taxType,
    Status: 'ACTIVE',
    EnablePaymentsToAccount: false,
    ShowInExpenseClaims: false,
    ReportingCode: accountClass.slice(0, 3),
    UpdatedDateUTC: SEED_TIME,
  })
  return [
    {
      ...account(c.bank, 'Business Bank Account', 'BANK', 'ASSET', t.taxExempt),
      BankAccountNumber: '0102030405060708',
    },
    account(c.sales, 'Sales', 'REVENUE', 'REVENUE', t.gstOnIncome),
    account(c.otherRevenue, 'Other Revenue', 'REVENUE', 'REVENUE', t.gstOnIncome),
    account(c.interestIncome, 'Interest Income', 'REVENUE', 'REVENUE', t.taxExempt),
    account(c.purchases, 'Purchases', 'DIRECTCOSTS', 'EXPENSE', t.gstOnExpenses),
    account(c.costOfGoodsSold, 'Cost of Goods Sold', 'DIRECTCOSTS', 'EXPENSE', t.gstOnExpenses),
    account(c.advertising, 'Advertising', 'EXPENSE', 'EXPENSE', t.gstOnExpenses),
    account(c.generalExpenses, 'General Expenses', 'EXPENSE', 'EXPENSE', t.gstOnExpenses),
    account(c.accountsReceivable, 'Accounts Receivable', 'CURRENT', 'ASSET', t.taxExempt),
    account(c.accountsPayable, 'Accounts Payable', 'CURRLIAB', 'LIABILITY', t.taxExempt),
    account(c.roundingAccount, 'Rounding', 'EXPENSE', 'EXPENSE', t.taxExempt),
    {
      ...account('205', 'Old Sales (archived)', 'REVENUE', 'REVENUE', t.gstOnIncome),
      Status: 'ARCHIVED',
    },
  ]
}

function items(): SandboxItem[] {
  const item = (
    code: string,
    name: string,
    price: number,
    account: string,
    purchased: boolean
  ) => ({
    ItemID: randomUUID(),
    Code: code,
    Name: name,
    Description: name,
    PurchaseDescription: purchased ? name : undefined,
    IsSold: true,
    IsPurchased: purchased,
    IsTrackedAsInventory: false,
    SalesDetails: {
      UnitPrice: price,
      AccountCode: account,
      TaxType: XERO_SANDBOX_TAX_TYPES.gstOnIncome,
    },
    PurchaseDetails: purchased
      ? {
          UnitPrice: Math.round(price * 70) / 100,
          AccountCode: '300',
          TaxType: XERO_SANDBOX_TAX_TYPES.gstOnExpenses,
        }
      : {},
    UpdatedDateUTC: SEED_TIME,
  })
  return [
    item('LABOUR', 'Labour (per hour)', 165, '200', false),
    item('MANAGED-SEAT', 'Managed services seat (monthly)', 89.5, '200', false),
    item('HW-ROUTER', 'Business router', 649, '200', true),
    item('M365-BP', 'Microsoft 365 Business Premium (monthly)', 36.3, '260', true),
  ]
}

function trackingCategories(): SandboxTrackingCategory[] {
  // An option named "name:ARCHIVED" is archived (TrackingOption.Status, xero_accounting.yaml).
  const category = (name: string, options: string[]) => ({
    TrackingCategoryID: randomUUID(),
    Name: name,
    Status: 'ACTIVE',
    Options: options.map((option) => ({
      TrackingOptionID: randomUUID(),
      Name: option.replace(/:ARCHIVED$/, ''),
      Status: option.endsWith(':ARCHIVED') ? 'ARCHIVED' : 'ACTIVE',
    })),
  })
  return [
    category('Region', ['North', 'South', 'Central', 'Overseas:ARCHIVED']),
    category('Department', ['Support', 'Projects', 'Hardware']),
    category('Business Unit', ['Services', 'Recurring', 'Products']),
  ]
}

/** Two themes, "Standard" first (SortOrder 0), as GET /BrandingThemes lists them (xero_accounting.yaml example). */
function brandingThemes(): SandboxBrandingTheme[] {
  return ['Standard', 'Managed services'].map((name, index) => ({
    BrandingThemeID: randomUUID(),
    Name: name,
    Type: 'INVOICE' as const,
    SortOrder: index,
    CreatedDateUTC: SEED_TIME,
  }))
}

function contacts(): SandboxContact[] {
  const contact = (number: string, name: string, email: string, supplier = false) => ({
    ContactID: randomUUID(),
    ContactNumber: number || undefined,
    AccountNumber: number ? `AT-${number}` : undefined,
    ContactStatus: 'ACTIVE',
    Name: name,
    EmailAddress: email,
    IsSupplier: supplier,
    IsCustomer: !supplier,
    Addresses: [],
    Phones: [],
    UpdatedDateUTC: SEED_TIME,
  })
  const [a, b, c, d] = XERO_SANDBOX_CONTACT_NUMBERS
  return [
    contact(a, 'Acme Manufacturing Ltd', 'accounts@acme.example'),
    contact(b, 'Bright Dental Group', 'finance@brightdental.example'),
    contact(c, 'Coastal Logistics', 'ap@coastal.example'),
    contact(d, 'Ingram Micro', 'orders@ingram.example', true),
    contact('', 'Delta Architects', 'office@delta.example'),
  ]
}

/** A fresh organisation with its reference data; ids are new on every seed. */
function organisation(
  tenant: { tenantId: string; name: string },
  details: { country: string; currency: string; gst: number; timezone: string; shortCode: string }
): SandboxOrganisation {
  return {
    tenantId: tenant.tenantId,
    name: tenant.name,
    shortCode: details.shortCode,
    countryCode: details.country,
    baseCurrency: details.currency,
    timezone: details.timezone,
    taxRates: taxRates(details.gst),
    accounts: accounts(),
    items: items(),
    trackingCategories: trackingCategories(),
    brandingThemes: brandingThemes(),
    contacts: contacts(),
    invoices: [],
    purchaseOrders: [],
    invoiceSequence: 0,
    purchaseOrderSequence: 0,
  }
}

/**
 * One more organisation, set up as the NZ one is, under its own tenant id: a benchmark of a billing day
 * (`bench:scale`) gives each product its own organisation, with its own limits.
 */
export function extraOrganisation(tenant: { tenantId: string; name: string }): SandboxOrganisation {
  return organisation(tenant, {
    country: 'NZ',
    currency: 'NZD',
    gst: 15,
    timezone: 'NEWZEALANDSTANDARDTIME',
    shortCode: `!${tenant.tenantId.replace(/-/g, '').slice(0, 5)}`,
  })
}

/** The two organisations every sandbox starts with. */
export function seedOrganisations(): SandboxOrganisation[] {
  return [
    organisation(XERO_SANDBOX_TENANTS.nz, {
      country: 'NZ',
      currency: 'NZD',
      gst: 15,
      timezone: 'NEWZEALANDSTANDARDTIME',
      shortCode: '!hT4vq',
    }),
    organisation(XERO_SANDBOX_TENANTS.au, {
      country: 'AU',
      currency: 'AUD',
      gst: 10,
      timezone: 'AUSEASTERNSTANDARDTIME',
      shortCode: '!sX9kd',
    }),
  ]
}
