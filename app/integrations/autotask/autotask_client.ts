import type {
  AutotaskCredentials,
  AutotaskCursor,
  AutotaskEntity,
  BillingCode,
  BillingContact,
  BillingItem,
  Company,
  CompanyName,
  Currency,
  ConnectionTestResult,
  FieldInformation,
  Invoice,
  PurchaseOrder,
  PurchaseOrderItem,
  PurchaseOrderQuery,
  QueryFilter,
  Tax,
  TaxRegion,
  ThresholdInformation,
  ZoneInformation,
} from '#integrations/autotask/types'

/** The product columns an Autotask client is built from. */
export interface AutotaskProductCredentials {
  autotaskUsername: string | null
  autotaskSecret: string | null
  autotaskIntegrationCode: string | null
  autotaskZoneUrl: string | null
}

/** Maps a product row to client credentials, or null when the product has none yet. */
export function autotaskCredentialsOf(
  product: AutotaskProductCredentials
): AutotaskCredentials | null {
  if (!product.autotaskUsername || !product.autotaskSecret || !product.autotaskIntegrationCode) {
    return null
  }
  return {
    username: product.autotaskUsername,
    secret: product.autotaskSecret,
    integrationCode: product.autotaskIntegrationCode,
    zoneUrl: product.autotaskZoneUrl,
  }
}

/**
 * What the sync engine needs from Autotask (an abstract class so the container
 * can bind it; TypeScript interfaces vanish at run time). The bound instance has
 * no credentials: call `connect()` with a product's credentials to get one client
 * per product. Every method throws only AutotaskError subclasses.
 */
export abstract class AutotaskClient {
  /** HTTP calls this client has made (look-ups and threshold checks included). */
  abstract readonly callCount: number

  /** The zone in use once known (store `zone.url` on the product to skip later look-ups). */
  abstract readonly zone: ZoneInformation | null

  /** A client of the same kind and settings that speaks for one Autotask API user. */
  abstract connect(credentials: AutotaskCredentials): AutotaskClient

  /** Looks up (and caches per user) the zone of the API user. */
  abstract lookupZone(options?: { fresh?: boolean }): Promise<ZoneInformation>

  /** Checks user, secret and integration code with a zone look-up and one tiny query. */
  abstract testConnection(): Promise<ConnectionTestResult>

  /** Pages of any entity matching a filter; one page (≤ 500) in memory at a time. */
  abstract query<T>(
    entity: AutotaskEntity,
    filter: QueryFilter[],
    options?: { includeFields?: readonly string[]; pageSize?: number }
  ): AsyncGenerator<T[], void, undefined>

  /** How many records of an entity match a filter (query/count). */
  abstract count(entity: AutotaskEntity, filter: QueryFilter[]): Promise<number>

  /** Pages of invoices created or voided after the cursor, oldest id first. */
  abstract invoicesSince(
    cursor: AutotaskCursor,
    options?: { pageSize?: number }
  ): AsyncGenerator<Invoice[], void, undefined>

  /** How many invoices `invoicesSince` would yield. */
  abstract countInvoicesSince(cursor: AutotaskCursor): Promise<number>

  /** Invoices by id (missing ids are absent from the map). */
  abstract invoicesByIds(ids: readonly number[]): Promise<Map<number, Invoice>>

  /** One invoice; throws AutotaskNotFoundError when it does not exist. */
  abstract getInvoice(id: number): Promise<Invoice>

  /** The lines of many invoices in few calls; every asked id has an entry (maybe empty). */
  abstract billingItemsForInvoices(
    invoiceIds: readonly number[]
  ): Promise<Map<number, BillingItem[]>>

  /** Companies by id in few calls (missing ids are absent from the map). */
  abstract companiesByIds(ids: readonly number[]): Promise<Map<number, Company>>

  /** Autotask's own HTML copy of an invoice (foreign HTML: render it sandboxed). */
  abstract invoiceMarkup(invoiceId: number): Promise<string>

  abstract taxRegions(): Promise<TaxRegion[]>

  abstract taxes(): Promise<Tax[]>

  /** Autotask's currencies (the Multi-currency module's list; only the internal one without it). */
  abstract currencies(): Promise<Currency[]>

  abstract billingCodes(): Promise<BillingCode[]>

  /** The fields of an entity with their picklists (entityInformation/fields). */
  abstract fieldInformation(entity: AutotaskEntity): Promise<FieldInformation[]>

  /** The active primary contact of each company asked (missing ones are absent from the map). */
  abstract billingContacts(companyIds: readonly number[]): Promise<Map<number, BillingContact>>

  /** Every company's id, name and active flag, for the settings' lists. */
  abstract companyNames(): Promise<CompanyName[]>

  /** Pages of purchase orders in the given statuses and/or created, submitted or cancelled since a cursor. */
  abstract purchaseOrders(
    query: PurchaseOrderQuery
  ): AsyncGenerator<PurchaseOrder[], void, undefined>

  /** The items of many purchase orders; every asked id has an entry (maybe empty). */
  abstract purchaseOrderItems(
    orderIds: readonly number[]
  ): Promise<Map<number, PurchaseOrderItem[]>>

  /** The database's hourly request budget and its use so far. */
  abstract thresholdInformation(): Promise<ThresholdInformation>

  /** Marks an invoice as processed by an integration (Invoice.webServiceDate). */
  abstract stampWebServiceDate(invoiceId: number, at?: Date): Promise<void>

  /** Writes (or, with null, clears) the date an invoice was paid in full (Invoice.paidDate). */
  abstract setInvoicePaidDate(invoiceId: number, paidDate: string | null): Promise<void>
}
