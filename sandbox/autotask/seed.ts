import { blankRecord, type SandboxEntity, type SandboxRecord } from '#sandbox/autotask/entities'

/**
 * Deterministic seed data for the Autotask sandbox: the same seed, counts and
 * `now` always give the same records. The data is deliberately awkward in the ways
 * real Autotask databases are: non-ASCII and very long company names, 7-decimal
 * rates, lines whose extended price is not quantity × rate, zero and negative
 * invoices, a 500-line invoice, voided invoices, an unfinished billing run (no
 * invoice number yet) and a tax region nobody has mapped.
 */

export interface SeedOptions {
  seed: number
  /** invoices in the seeded history */
  invoices: number
  /** customer companies (the owner company 0 and three vendors come on top) */
  companies: number
  purchaseOrders: number
  /** lines of the one very large invoice; 0 leaves it out */
  largeInvoiceLines: number
  /** days of history the seeded invoices spread over, ending at `now` */
  daysOfHistory: number
  now: Date
}

export type SandboxTables = Record<SandboxEntity, Map<number, SandboxRecord>>

/** Where a SeedGenerator is (see `SeedGenerator.position`). */
export interface SeedPosition {
  rng: number
  nextIds: Record<SandboxEntity, number>
  nextInvoiceNumber: number
  nextBatchID: number
}

/** mulberry32: small, fast and good enough for repeatable test data. */
export class Prng {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** Where the sequence is, so a restarted sandbox carries on with the same numbers (`SeedGenerator.position`). */
  get position(): number {
    return this.#state
  }

  set position(value: number) {
    this.#state = value >>> 0
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)]
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }
}

/** Rounds half away from zero to `dp` decimals (as Autotask and Xero do). */
export function roundTo(value: number, dp: number): number {
  const factor = 10 ** dp
  const scaled = Math.abs(value) * factor
  const rounded = Math.round(Number(scaled.toPrecision(15))) / factor
  return Math.sign(value) * rounded || 0
}

const DAY_MS = 86_400_000

export const OWNER_COMPANY_ID = 0
export const VOIDING_RESOURCE_ID = 29682885
export const CREATOR_RESOURCE_ID = 29682834

/** Tax regions and their single tax. Region 4 is the one the demo leaves unmapped. */
export const seedTaxRegions = [
  { id: 1, name: 'GST NZ', rate: 15, taxName: 'GST' },
  { id: 2, name: 'Exempt', rate: 0, taxName: 'Exempt' },
  { id: 3, name: 'GST AU', rate: 10, taxName: 'GST' },
  { id: 4, name: 'VAT UK', rate: 20, taxName: 'VAT' },
] as const

export const UNMAPPED_TAX_REGION_ID = 4

/**
 * Autotask's currencies (Multi-currency module): NZD is the internal one. Seeded companies name none
 * (currencyID null, as without the module); a test's company may name one, or an id not listed here.
 */
export const seedCurrencies = [
  { id: 1, name: 'NZD', description: 'New Zealand Dollar', exchangeRate: 1, internal: true },
  { id: 2, name: 'USD', description: 'US Dollar', exchangeRate: 0.59, internal: false },
  { id: 3, name: 'AUD', description: 'Australian Dollar', exchangeRate: 0.91, internal: false },
  { id: 4, name: 'GBP', description: 'British Pound', exchangeRate: 0.47, internal: false },
] as const

const billingCodes = [
  {
    id: 29682801,
    name: 'Remote Support',
    externalNumber: '200',
    unitPrice: 165,
    billingCodeType: 0,
    useType: 1,
  },
  {
    id: 29682802,
    name: 'On-site Support',
    externalNumber: '210',
    unitPrice: 185,
    billingCodeType: 0,
    useType: 1,
  },
  {
    id: 29682803,
    name: 'Managed Services',
    externalNumber: '220',
    unitPrice: 45,
    billingCodeType: 0,
    useType: 1,
  },
  {
    id: 29682804,
    name: 'Hardware',
    externalNumber: '300',
    unitPrice: null,
    billingCodeType: 2,
    useType: 2,
  },
  {
    id: 29682805,
    name: 'Software Licences',
    externalNumber: '310',
    unitPrice: null,
    billingCodeType: 2,
    useType: 2,
  },
  {
    id: 29682806,
    name: 'Block Hours',
    externalNumber: '230',
    unitPrice: 150,
    billingCodeType: 0,
    useType: 1,
  },
  {
    id: 29682807,
    name: 'Travel',
    externalNumber: '400',
    unitPrice: 0.95,
    billingCodeType: 1,
    useType: 3,
  },
  {
    id: 29682808,
    name: 'Project Labour',
    externalNumber: '240',
    unitPrice: 175,
    billingCodeType: 0,
    useType: 1,
  },
]

const lineTexts: Record<string, string[]> = {
  'Remote Support': [
    'Remote support: password reset and MFA enrolment',
    'Remote support: Outlook profile rebuild',
    'Remote support: printer driver deployment',
  ],
  'On-site Support': [
    'On-site visit: network switch replacement',
    'On-site visit: new starter workstation set-up',
  ],
  'Managed Services': [
    'Managed workstation (per device, monthly)',
    'Managed server (per server, monthly)',
    'Backup monitoring (monthly)',
  ],
  'Hardware': [
    'Dell Latitude 5440 laptop',
    'Ubiquiti UniFi U6-Pro access point',
    'APC Smart-UPS 1500VA',
  ],
  'Software Licences': [
    'Microsoft 365 Business Premium (monthly)',
    'SentinelOne Control (per endpoint, monthly)',
    'Adobe Acrobat Pro (annual)',
  ],
  'Block Hours': ['Block hours drawn down: service desk', 'Block hours drawn down: project work'],
  'Travel': ['Travel (km)', 'Travel time and mileage'],
  'Project Labour': ['Project: Windows 11 migration', 'Project: firewall replacement'],
}

const specialCompanies: Array<{
  name: string
  region: number
  exempt?: boolean
  city: string
  countryID: number
}> = [
  { name: 'Müller & Söhne GmbH', region: 1, city: 'Auckland', countryID: 160 },
  { name: 'Café Ōtautahi Limited', region: 1, city: 'Christchurch', countryID: 160 },
  { name: 'Ngāti Whātua Ōrākei Whai Rawa Ltd', region: 1, city: 'Auckland', countryID: 160 },
  {
    name: 'The Extraordinarily Long-Named Regional Community Health, Wellbeing, Education and Social Services Charitable Trust of Greater Wellington and the Hutt Valley Incorporated',
    region: 1,
    city: 'Lower Hutt',
    countryID: 160,
  },
  { name: 'Britannia Widgets plc', region: UNMAPPED_TAX_REGION_ID, city: 'Leeds', countryID: 225 },
  { name: 'Łódź Software Sp. z o.o.', region: 1, city: 'Wellington', countryID: 160 },
  { name: '株式会社サンプル商事', region: 1, city: 'Auckland', countryID: 160 },
  { name: "O'Brien & Daughters (NZ) Ltd", region: 1, city: 'Dunedin', countryID: 160 },
  { name: 'Smith  Plumbing\u200b Ltd', region: 1, city: 'Hamilton', countryID: 160 },
  { name: 'Bondi Beach IT Pty Ltd', region: 3, city: 'Sydney', countryID: 14 },
  { name: 'Kiwi Kids Charitable Trust', region: 2, exempt: true, city: 'Nelson', countryID: 160 },
]

/** Index of the long-named company in the seeded customers. */
export const LONG_NAME_COMPANY_INDEX = 3
/** Index of the company in the unmapped tax region. */
export const UNMAPPED_REGION_COMPANY_INDEX = 4

const namePrefixes = [
  'Alpine',
  'Harbour',
  'Kauri',
  'Summit',
  'Tasman',
  'Pacific',
  'Rimu',
  'Totara',
  'Coastal',
  'Southern',
  'Northern',
  'Pōhutukawa',
  'Matai',
  'Kōwhai',
  'Riverbend',
  'Greenstone',
]
const nameTrades = [
  'Dental',
  'Accounting',
  'Logistics',
  'Legal',
  'Engineering',
  'Motors',
  'Foods',
  'Architecture',
  'Medical',
  'Construction',
  'Freight',
  'Vineyards',
  'Realty',
  'Optometrists',
]
const nameSuffixes = ['Ltd', 'Limited', 'Group Ltd', 'Partners']
const cities = [
  'Auckland',
  'Wellington',
  'Christchurch',
  'Hamilton',
  'Tauranga',
  'Napier',
  'Palmerston North',
  'Queenstown',
]

const vendors = ['Ingram Micro NZ', 'Dicker Data NZ', 'Exeed Ltd']

const poProducts = [
  { id: 501, memo: 'Dell Latitude 5440 laptop', cost: 1649.5 },
  { id: 502, memo: 'Microsoft 365 Business Premium licence (annual)', cost: 398.4 },
  { id: 503, memo: 'Ubiquiti UniFi U6-Pro access point', cost: 289.1304 },
  { id: 504, memo: 'APC Smart-UPS 1500VA', cost: 1120 },
  { id: 505, memo: 'Cat6 patch cable 2 m (10 pack)', cost: 34.9875 },
]

export type InvoiceKind = 'normal' | 'zero' | 'negative' | 'large'

export interface InvoicePlan {
  createdAt: Date
  batchID: number
  companyID: number
  kind?: InvoiceKind
  lines?: number
  voided?: boolean
  /** false leaves invoiceNumber null, as for a billing run still in progress */
  finished?: boolean
}

/** Builds records with running ids; the state keeps one to add billing runs later. */
export class SeedGenerator {
  readonly rng: Prng
  readonly tables: SandboxTables
  readonly options: SeedOptions
  #nextIds: Record<SandboxEntity, number> = {
    Companies: 174,
    Invoices: 29680001,
    BillingItems: 29700001,
    PurchaseOrders: 3001,
    PurchaseOrderItems: 7001,
    TaxRegions: 5,
    Taxes: 5,
    TaxCategories: 3,
    BillingCodes: 29682809,
    Contacts: 30683001,
    Currencies: 5,
  }
  #nextInvoiceNumber = 10001
  #nextBatchID = 1

  constructor(options: SeedOptions) {
    this.options = options
    this.rng = new Prng(options.seed)
    this.tables = {
      Companies: new Map(),
      Invoices: new Map(),
      BillingItems: new Map(),
      PurchaseOrders: new Map(),
      PurchaseOrderItems: new Map(),
      TaxRegions: new Map(),
      Taxes: new Map(),
      TaxCategories: new Map(),
      BillingCodes: new Map(),
      Contacts: new Map(),
      Currencies: new Map(),
    }
  }

  /** Fills the tables with the whole seeded history. */
  generate(): SandboxTables {
    this.#reference()
    const customers = this.#companies()
    this.#invoiceHistory(customers)
    this.#purchaseOrders(customers)
    return this.tables
  }

  nextBatchID(): number {
    return this.#nextBatchID++
  }

  /** The generator's counters and random sequence: with the tables, all a restarted sandbox needs to carry on. */
  get position(): SeedPosition {
    return {
      rng: this.rng.position,
      nextIds: { ...this.#nextIds },
      nextInvoiceNumber: this.#nextInvoiceNumber,
      nextBatchID: this.#nextBatchID,
    }
  }

  set position(position: SeedPosition) {
    this.rng.position = position.rng
    this.#nextIds = { ...position.nextIds }
    this.#nextInvoiceNumber = position.nextInvoiceNumber
    this.#nextBatchID = position.nextBatchID
  }

  /** Customers a billing run may invoice (active, not vendors, not the owner). */
  customerIds(): number[] {
    return [...this.tables.Companies.values()]
      .filter(
        (company) =>
          company.companyType === 1 && company.id !== OWNER_COMPANY_ID && company.isActive
      )
      .map((company) => company.id)
  }

  /** Adds one customer company (a test's or a demo's own awkward data). */
  addCompany(name: string, taxRegionID: number, currencyID: number | null = null): SandboxRecord {
    const id = this.#nextIds.Companies++
    return this.#company(id, name, 1, taxRegionID, { currencyID })
  }

  /** Creates one invoice with its billing items and returns it. */
  addInvoice(plan: InvoicePlan): SandboxRecord {
    const company = this.tables.Companies.get(plan.companyID)
    if (!company) throw new Error(`Sandbox: no company ${plan.companyID}`)
    const region =
      seedTaxRegions.find((candidate) => candidate.id === company.taxRegionID) ?? seedTaxRegions[0]
    const kind = plan.kind ?? 'normal'
    const id = this.#nextIds.Invoices++
    const created = plan.createdAt
    const invoiceDate = new Date(
      Date.UTC(created.getUTCFullYear(), created.getUTCMonth(), created.getUTCDate())
    )
    const fromDate = new Date(Date.UTC(created.getUTCFullYear(), created.getUTCMonth(), 1))
    const toDate = new Date(Date.UTC(created.getUTCFullYear(), created.getUTCMonth() + 1, 0))
    const orderNumber = this.rng.chance(0.3) ? `PO-${this.rng.int(4000, 9999)}` : null
    const lineCount =
      kind === 'large'
        ? (plan.lines ?? this.options.largeInvoiceLines)
        : (plan.lines ?? this.#lineCount())

    let net = 0
    let tax = 0
    for (let index = 0; index < lineCount; index++) {
      const item = this.#billingItem(
        id,
        company,
        region.rate,
        invoiceDate,
        index,
        kind,
        orderNumber
      )
      net += item.extendedPrice as number
      tax += item.taxDollars as number
    }

    const voided = plan.voided ?? false
    const invoice = blankRecord('Invoices', {
      id,
      batchID: plan.batchID,
      comments: kind === 'negative' ? 'Credit for the service outage of last month.' : null,
      companyID: company.id,
      createDateTime: created.toISOString(),
      creatorResourceID: CREATOR_RESOURCE_ID,
      dueDate: new Date(invoiceDate.getTime() + 20 * DAY_MS).toISOString(),
      fromDate: fromDate.toISOString(),
      invoiceDateTime: invoiceDate.toISOString(),
      invoiceEditorTemplateID: 102,
      invoiceNumber: plan.finished === false ? null : String(this.#nextInvoiceNumber++),
      invoiceTotal: roundTo(net + tax, 2),
      isVoided: voided,
      orderNumber,
      paymentTerm: 1,
      taxGroup: region.id,
      taxRegionName: region.name,
      toDate: toDate.toISOString(),
      totalTaxValue: roundTo(tax, 2),
      voidedByResourceID: voided ? VOIDING_RESOURCE_ID : null,
      voidedDate: voided ? new Date(created.getTime() + 3_600_000).toISOString() : null,
      invoiceStatus: 1,
    })
    this.tables.Invoices.set(id, invoice)
    return invoice
  }

  #lineCount(): number {
    const draw = this.rng.next()
    return draw < 0.6 ? 1 : draw < 0.9 ? 2 : 3
  }

  #billingItem(
    invoiceID: number,
    company: SandboxRecord,
    taxRate: number,
    itemDate: Date,
    index: number,
    kind: InvoiceKind,
    orderNumber: string | null
  ): SandboxRecord {
    const code = this.rng.pick(billingCodes)
    const text = this.rng.pick(lineTexts[code.name])
    let quantity = this.rng.pick([1, 1, 1, 2, 0.5, 1.25, 3, 10, 0.25, 4])
    let rate = this.rng.chance(0.25)
      ? roundTo(this.rng.next() * 180 + 20, 7)
      : roundTo(this.rng.next() * 200 + 10, 2)
    let description = text
    if (kind === 'zero') {
      rate = 0
      description = 'Warranty replacement (no charge)'
    } else if (kind === 'negative' && index === 0) {
      quantity = 1
      rate = -roundTo(this.rng.next() * 400 + 600, 2)
      description = 'Credit: service outage compensation'
    }
    let extendedPrice = roundTo(quantity * rate, 4)
    if (kind === 'normal' && code.name === 'Block Hours') {
      extendedPrice = roundTo(extendedPrice * 0.9, 4)
    }
    const taxDollars = roundTo((extendedPrice * taxRate) / 100, 2)
    const id = this.#nextIds.BillingItems++
    const item = blankRecord('BillingItems', {
      id,
      invoiceID,
      companyID: company.id,
      billingCodeID: code.id,
      billingItemType: code.billingCodeType === 0 ? 1 : 3,
      subType: 1,
      itemName: code.name,
      description,
      lineItemFullDescription: `${code.name}: ${description}`,
      lineItemGroupDescription: code.name,
      itemDate: itemDate.toISOString(),
      postedDate: itemDate.toISOString(),
      postedOnTime: itemDate.toISOString(),
      quantity,
      rate,
      extendedPrice,
      taxDollars,
      totalAmount: roundTo(extendedPrice + taxDollars, 4),
      ourCost: roundTo(Math.abs(rate) * 0.55, 4),
      internalCurrencyRate: rate,
      internalCurrencyExtendedPrice: extendedPrice,
      internalCurrencyTaxDollars: taxDollars,
      internalCurrencyTotalAmount: roundTo(extendedPrice + taxDollars, 4),
      taxCategoryID: taxRate === 0 ? 2 : 1,
      nonBillable: false,
      purchaseOrderNumber: orderNumber,
      sortOrderID: index + 1,
    })
    this.tables.BillingItems.set(id, item)
    return item
  }

  #reference(): void {
    for (const currency of seedCurrencies) {
      this.tables.Currencies.set(
        currency.id,
        blankRecord('Currencies', {
          id: currency.id,
          name: currency.name,
          description: currency.description,
          displaySymbol: 1,
          exchangeRate: currency.exchangeRate,
          isActive: true,
          isInternalCurrency: currency.internal,
          currencyPositiveFormat: 'X',
          currencyNegativeFormat: '-X',
        })
      )
    }
    this.tables.TaxCategories.set(
      1,
      blankRecord('TaxCategories', {
        id: 1,
        name: 'Standard',
        description: 'Taxable goods and services',
        isActive: true,
      })
    )
    this.tables.TaxCategories.set(
      2,
      blankRecord('TaxCategories', {
        id: 2,
        name: 'Non-taxable',
        description: 'Exempt goods and services',
        isActive: true,
      })
    )
    for (const region of seedTaxRegions) {
      this.tables.TaxRegions.set(
        region.id,
        blankRecord('TaxRegions', { id: region.id, name: region.name, isActive: true })
      )
      this.tables.Taxes.set(
        region.id,
        blankRecord('Taxes', {
          id: region.id,
          taxRegionID: region.id,
          taxCategoryID: region.rate === 0 ? 2 : 1,
          taxName: region.taxName,
          taxRate: region.rate,
          isCompounded: false,
        })
      )
    }
    for (const code of billingCodes) {
      this.tables.BillingCodes.set(
        code.id,
        blankRecord('BillingCodes', {
          id: code.id,
          name: code.name,
          description: `${code.name} (GL ${code.externalNumber})`,
          externalNumber: code.externalNumber,
          isActive: true,
          billingCodeType: code.billingCodeType,
          useType: code.useType,
          unitPrice: code.unitPrice,
          taxCategoryID: 1,
          department: 1,
        })
      )
    }
  }

  #company(
    id: number,
    name: string,
    type: number,
    region: number,
    extra: Record<string, unknown> = {}
  ) {
    const created = new Date(this.options.now.getTime() - 400 * DAY_MS)
    const record = blankRecord('Companies', {
      id,
      companyName: name,
      companyNumber: id === OWNER_COMPANY_ID ? null : `C${String(id).padStart(5, '0')}`,
      companyType: type,
      isActive: true,
      isTaxExempt: false,
      taxRegionID: region,
      address1: `${this.rng.int(1, 400)} ${this.rng.pick(['Queen', 'Victoria', 'Lambton', 'Cuba', 'High', 'George'])} Street`,
      city: this.rng.pick(cities),
      postalCode: String(this.rng.int(1010, 9810)),
      countryID: 160,
      phone: `+64 9 ${this.rng.int(300, 999)} ${this.rng.int(1000, 9999)}`,
      ownerResourceID: CREATOR_RESOURCE_ID,
      createDate: created.toISOString(),
      lastActivityDate: created.toISOString(),
      lastTrackedModifiedDateTime: created.toISOString(),
      ...extra,
    })
    this.tables.Companies.set(id, record)
    if (type === 1 && id !== OWNER_COMPANY_ID) this.#billingContact(record)
    return record
  }

  /** The customer's primary contact, who receives its invoices (derived from the name: the seed's random sequence stays as it was). */
  #billingContact(company: SandboxRecord) {
    const id = this.#nextIds.Contacts++
    const slug = String(company.companyName)
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40)
    this.tables.Contacts.set(
      id,
      blankRecord('Contacts', {
        id,
        companyID: company.id,
        firstName: 'Accounts',
        lastName: 'Payable',
        emailAddress: `accounts@${slug || 'company'}.example`,
        phone: company.phone,
        primaryContact: true,
        isActive: true,
      })
    )
  }

  #companies(): SandboxRecord[] {
    this.#company(OWNER_COMPANY_ID, 'Demo MSP Ltd', 1, 1)
    const customers: SandboxRecord[] = []
    const used = new Set<string>()
    for (let index = 0; index < this.options.companies; index++) {
      const id = this.#nextIds.Companies
      this.#nextIds.Companies += this.rng.int(1, 3)
      const special = specialCompanies[index]
      if (special) {
        customers.push(
          this.#company(id, special.name, 1, special.region, {
            city: special.city,
            countryID: special.countryID,
            isTaxExempt: special.exempt ?? false,
          })
        )
        continue
      }
      let name = ''
      do {
        name = `${this.rng.pick(namePrefixes)} ${this.rng.pick(nameTrades)} ${this.rng.pick(nameSuffixes)}`
        if (used.has(name)) name = `${name} (${index})`
      } while (used.has(name))
      used.add(name)
      customers.push(this.#company(id, name, 1, this.rng.chance(0.08) ? 2 : 1, {}))
    }
    for (const name of vendors) {
      const id = this.#nextIds.Companies
      this.#nextIds.Companies += 1
      this.#company(id, name, 7, 1)
    }
    return customers
  }

  #invoiceHistory(customers: SandboxRecord[]): void {
    const total = this.options.invoices
    if (!total || !customers.length) return
    const start = this.options.now.getTime() - this.options.daysOfHistory * DAY_MS
    const step = (this.options.daysOfHistory * DAY_MS) / total
    const unfinishedFrom = total >= 10 ? total - 2 : total
    const ordinary = customers.filter((company) => company.taxRegionID !== UNMAPPED_TAX_REGION_ID)
    let batchID = this.nextBatchID()
    for (let index = 0; index < total; index++) {
      if (index > 0 && (index % 25 === 0 || index === unfinishedFrom)) batchID = this.nextBatchID()
      const plan: InvoicePlan = {
        createdAt: new Date(Math.floor(start + index * step)),
        batchID,
        companyID: this.rng.pick(ordinary).id,
        voided: index === 6 || (index > 10 && this.rng.chance(0.03)),
        finished: index < unfinishedFrom,
      }
      if (index === 1) plan.kind = 'zero'
      if (index === 2) plan.kind = 'negative'
      if (index === 3 && this.options.largeInvoiceLines > 0) plan.kind = 'large'
      if (index === 4 && customers[UNMAPPED_REGION_COMPANY_INDEX])
        plan.companyID = customers[UNMAPPED_REGION_COMPANY_INDEX].id
      if (index === 5 && customers[LONG_NAME_COMPANY_INDEX])
        plan.companyID = customers[LONG_NAME_COMPANY_INDEX].id
      this.addInvoice(plan)
    }
  }

  #purchaseOrders(customers: SandboxRecord[]): void {
    const vendorIds = [...this.tables.Companies.values()]
      .filter((company) => company.companyType === 7)
      .map((c) => c.id)
    for (let index = 0; index < this.options.purchaseOrders; index++) {
      const id = this.#nextIds.PurchaseOrders++
      const status = (index % 5) + 1
      const customer = this.rng.pick(customers)
      const created = new Date(
        this.options.now.getTime() - (this.options.purchaseOrders - index) * DAY_MS
      )
      const submitted = status >= 2 ? new Date(created.getTime() + 2 * 3_600_000) : null
      const order = blankRecord('PurchaseOrders', {
        id,
        createDateTime: created.toISOString(),
        creatorResourceID: CREATOR_RESOURCE_ID,
        externalPONumber: this.rng.chance(0.5) ? `EXT-${this.rng.int(100, 999)}` : null,
        freight: this.rng.chance(0.3) ? roundTo(this.rng.next() * 40 + 10, 2) : 0,
        generalMemo: `For ${customer.companyName}`,
        internalCurrencyFreight: 0,
        paymentTerm: 1,
        purchaseForCompanyID: customer.id,
        purchaseOrderNumber: `PO${String(id).padStart(6, '0')}`,
        purchaseOrderTemplateID: 1,
        shippingType: 1,
        shipToName: customer.companyName,
        shipToAddress1: customer.address1,
        shipToCity: customer.city,
        shipToPostalCode: customer.postalCode,
        showEachTaxInGroup: false,
        showTaxCategory: false,
        status,
        submitDateTime: submitted?.toISOString() ?? null,
        cancelDateTime:
          status === 5 ? new Date(created.getTime() + DAY_MS / 2).toISOString() : null,
        taxRegionID: customer.taxRegionID,
        useItemDescriptionsFrom: 1,
        vendorID: this.rng.pick(vendorIds),
        vendorInvoiceNumber: status >= 3 ? `VINV-${this.rng.int(10000, 99999)}` : null,
      })
      this.tables.PurchaseOrders.set(id, order)
      const lines = this.rng.int(1, 4)
      for (let line = 0; line < lines; line++) {
        const product = this.rng.pick(poProducts)
        const itemId = this.#nextIds.PurchaseOrderItems++
        this.tables.PurchaseOrderItems.set(
          itemId,
          blankRecord('PurchaseOrderItems', {
            id: itemId,
            orderID: id,
            productID: product.id,
            memo: product.memo,
            quantity: this.rng.int(1, 10),
            unitCost: product.cost,
            internalCurrencyUnitCost: product.cost,
            estimatedArrivalDate: new Date(created.getTime() + 7 * DAY_MS).toISOString(),
          })
        )
      }
    }
  }
}
