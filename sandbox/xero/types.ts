/*
| Records the Xero sandbox keeps. They are PascalCase like Xero's JSON so a
| record is its own answer; times are epoch milliseconds of the sandbox clock.
*/

export interface SandboxTaxRate {
  Name: string
  TaxType: string
  TaxComponents: { Name: string; Rate: number; IsCompound: boolean; IsNonRecoverable: boolean }[]
  Status: string
  ReportTaxType: string
  CanApplyToAssets: boolean
  CanApplyToEquity: boolean
  CanApplyToExpenses: boolean
  CanApplyToLiabilities: boolean
  CanApplyToRevenue: boolean
  DisplayTaxRate: number
  EffectiveRate: number
}

export interface SandboxAccount {
  AccountID: string
  Code: string
  Name: string
  Type: string
  Class: string
  TaxType: string
  Status: string
  EnablePaymentsToAccount: boolean
  ShowInExpenseClaims: boolean
  ReportingCode: string
  BankAccountNumber?: string
  UpdatedDateUTC: number
}

export interface SandboxItem {
  ItemID: string
  Code: string
  Name: string
  Description: string
  PurchaseDescription?: string
  IsSold: boolean
  IsPurchased: boolean
  IsTrackedAsInventory: boolean
  SalesDetails: { UnitPrice?: number; AccountCode?: string; TaxType?: string }
  PurchaseDetails: { UnitPrice?: number; AccountCode?: string; TaxType?: string }
  UpdatedDateUTC: number
}

/** GET /BrandingThemes (xero_accounting.yaml, schema BrandingTheme). */
export interface SandboxBrandingTheme {
  BrandingThemeID: string
  Name: string
  Type: 'INVOICE'
  SortOrder: number
  CreatedDateUTC: number
}

export interface SandboxTrackingCategory {
  TrackingCategoryID: string
  Name: string
  Status: string
  Options: { TrackingOptionID: string; Name: string; Status: string }[]
}

export interface SandboxContact {
  ContactID: string
  ContactNumber?: string
  AccountNumber?: string
  ContactStatus: string
  Name: string
  FirstName?: string
  LastName?: string
  EmailAddress?: string
  IsSupplier: boolean
  IsCustomer: boolean
  Addresses: unknown[]
  Phones: unknown[]
  UpdatedDateUTC: number
}

export interface SandboxLineItem {
  LineItemID: string
  Description?: string
  Quantity: number
  UnitAmount: number
  DiscountRate?: number
  DiscountAmount?: number
  ItemCode?: string
  AccountCode?: string
  TaxType?: string
  TaxAmount: number
  LineAmount: number
  Tracking: { TrackingCategoryID: string; TrackingOptionID: string; Name: string; Option: string }[]
}

export type SandboxLineAmountTypes = 'Exclusive' | 'Inclusive' | 'NoTax'

export interface SandboxInvoice {
  InvoiceID: string
  Type: 'ACCREC' | 'ACCPAY'
  InvoiceNumber: string
  Reference?: string
  Contact: { ContactID: string; Name: string; ContactNumber?: string }
  Date: number
  DueDate: number | null
  Status: string
  LineAmountTypes: SandboxLineAmountTypes
  LineItems: SandboxLineItem[]
  SubTotal: number
  TotalTax: number
  Total: number
  AmountDue: number
  AmountPaid: number
  AmountCredited: number
  CurrencyCode: string
  CurrencyRate: number
  BrandingThemeID?: string
  Url?: string
  SentToContact: boolean
  FullyPaidOnDate?: number
  UpdatedDateUTC: number
  /** The secret part of its online invoice address. */
  onlineToken: string
}

export interface SandboxPurchaseOrder {
  PurchaseOrderID: string
  PurchaseOrderNumber: string
  Reference?: string
  Contact: { ContactID: string; Name: string; ContactNumber?: string }
  Date: number
  DeliveryDate: number | null
  DeliveryAddress?: string
  AttentionTo?: string
  Telephone?: string
  DeliveryInstructions?: string
  Status: string
  LineAmountTypes: SandboxLineAmountTypes
  LineItems: SandboxLineItem[]
  SubTotal: number
  TotalTax: number
  Total: number
  CurrencyCode: string
  CurrencyRate: number
  SentToContact: boolean
  UpdatedDateUTC: number
}

export interface SandboxCurrency {
  Code: string
  Description: string
}

export interface SandboxOrganisation {
  tenantId: string
  name: string
  shortCode: string
  countryCode: string
  baseCurrency: string
  /** the currencies documents may be in (GET/PUT /Currencies); the base currency among them */
  currencies?: SandboxCurrency[]
  timezone: string
  taxRates: SandboxTaxRate[]
  accounts: SandboxAccount[]
  items: SandboxItem[]
  trackingCategories: SandboxTrackingCategory[]
  brandingThemes: SandboxBrandingTheme[]
  contacts: SandboxContact[]
  invoices: SandboxInvoice[]
  purchaseOrders: SandboxPurchaseOrder[]
  invoiceSequence: number
  purchaseOrderSequence: number
}

/** One user's consent: the organisations an app may reach with the tokens of this grant. */
/** A registered Xero app; `createdOn` (YYYY-MM-DD) decides whether it may still ask for the broad scopes. */
export interface SandboxClient {
  secret: string
  redirectUris: string[] | null
  createdOn: string
}

export interface SandboxGrant {
  grantId: string
  authEventId: string
  clientId: string
  tenantIds: string[]
  scope: string
  createdAt: number
}

export interface SandboxAccessToken {
  token: string
  grantId: string
  expiresAt: number
}

export interface SandboxRefreshToken {
  token: string
  grantId: string
  issuedAt: number
  /** When a refresh used this token; it keeps working for the grace period after. */
  rotatedAt: number | null
  revoked: boolean
}

export interface SandboxAuthCode {
  code: string
  grantId: string
  clientId: string
  redirectUri: string
  codeChallenge: string | null
  codeChallengeMethod: string | null
  expiresAt: number
  used: boolean
}

export interface SandboxConsentRequest {
  requestId: string
  clientId: string
  redirectUri: string
  scope: string
  state: string | null
  codeChallenge: string | null
  codeChallengeMethod: string | null
}

/** The values of Xero's X-Rate-Limit-Problem header (developer.xero.com/documentation/guides/oauth2/limits). */
export const RATE_LIMIT_PROBLEMS = ['minute', 'day', 'concurrent', 'appminute'] as const
export type SandboxRateLimitProblem = (typeof RATE_LIMIT_PROBLEMS)[number]

/** A fault injected through a knob; applies to the next `remaining` matching calls. */
export interface SandboxFault {
  /** `lost`: the write is done, but its answer never comes back (the client times out). */
  kind: '429' | '500' | '503' | 'timeout' | 'lost'
  remaining: number
  pathContains: string
  method: string | null
  problem: SandboxRateLimitProblem
  retryAfterSeconds: number | null
  /** a 429 that names no Retry-After */
  withoutRetryAfter?: boolean
}

export interface SandboxRequestLogEntry {
  at: number
  method: string
  path: string
  query: Record<string, string>
  tenantId: string | null
  idempotencyKey: string | null
  status: number
  durationMs: number
  replayed: boolean
  /** The body as sent, secrets masked; null when empty or when the entry is older than the bodies kept. */
  body: unknown
}

export interface SandboxContractViolation {
  at: number
  method: string
  path: string
  contract: 'accounting' | 'identity'
  errors: string[]
}

export interface SandboxLimits {
  perMinute: number
  concurrent: number
  perDay: number
  appPerMinute: number
}
