import type { AutotaskClient } from '#integrations/autotask/autotask_client'
import type { Company, Currency } from '#integrations/autotask/types'
import type { XeroGateway } from '#integrations/xero/xero_gateway'
import type { XeroConnection } from '#integrations/xero/xero_connection'

/** ISO 4217's code for "no currency": the record's Autotask currency is one Autotask does not list. */
export const UNKNOWN_CURRENCY = 'XXX'

/** A record's currency: its ISO code, and the Autotask Currencies id it was read from (null: the product's). */
export interface RecordCurrency {
  currency: string
  autotaskCurrencyId: number | null
}

/** Why a record cannot go to Xero in its currency, in words a person acts on. */
export type CurrencyProblem = { reason: string; hint: string } | null

/**
 * The currencies of one run, each list read at most once and only when a record needs it: Autotask's
 * (when a company names a currency) and the Xero organisation's enabled ones (when a record is in an
 * Autotask-named currency). A product without the Multi-currency module costs no extra call.
 */
export class RunCurrencies {
  #autotask: Promise<Map<number, Currency>> | null = null
  #xero: Promise<ReadonlySet<string>> | null = null
  #enabled: ReadonlySet<string> | null = null

  constructor(
    protected sources: {
      autotask: AutotaskClient
      xero: XeroGateway
      connection: () => XeroConnection
      /** the product's currency (the Xero organisation's base), for documents Autotask names none for */
      productCurrency: () => string | Promise<string>
    }
  ) {}

  /**
   * With the Multi-currency module, the company's currencyID names the document's currency (and its
   * amounts are in it). Without it (no currencyID, or only Autotask's internal currency active), the
   * product's currency, as before.
   */
  async ofCompany(
    company: Pick<Company, 'currencyID'> | null | undefined
  ): Promise<RecordCurrency> {
    const id = company?.currencyID ?? null
    const fallback = async () => ({
      currency: await this.sources.productCurrency(),
      autotaskCurrencyId: null,
    })
    if (id === null) return fallback()
    const list = await (this.#autotask ??= this.sources.autotask
      .currencies()
      .then((currencies) => new Map(currencies.map((currency) => [currency.id, currency])))
      .catch((error) => {
        this.#autotask = null // a failed read is tried again by the next batch, not remembered
        throw error
      }))
    const found = list.get(id)
    if (!found) return { currency: UNKNOWN_CURRENCY, autotaskCurrencyId: id }
    if ([...list.values()].filter((currency) => currency.isActive).length < 2) return fallback()
    return { currency: found.name.trim().toUpperCase(), autotaskCurrencyId: id }
  }

  /** The currency of each company's documents, by company id (a company Autotask did not return: the product's). */
  async ofCompanies(ids: Iterable<number>, companies: ReadonlyMap<number, Company>) {
    const currencies = new Map<number, RecordCurrency>()
    for (const id of new Set(ids)) currencies.set(id, await this.ofCompany(companies.get(id)))
    return currencies
  }

  /** Reads the Xero organisation's currencies once, if one of these records is in an Autotask-named currency. */
  async prepare(records: Iterable<{ autotaskCurrencyId?: number | null }>) {
    if (this.#enabled || ![...records].some(inAutotaskCurrency)) return
    this.#enabled = await (this.#xero ??= this.sources.xero
      .getCurrencies(this.sources.connection())
      .then((currencies) => new Set(currencies.map((currency) => currency.code)))
      .catch((error) => {
        this.#xero = null
        throw error
      }))
  }

  /** The organisation's enabled currencies, once `prepare` read them. */
  get enabled(): ReadonlySet<string> | null {
    return this.#enabled
  }
}

/** Whether Autotask named the record's currency (Multi-currency); if not, it is the product's. */
export function inAutotaskCurrency(record: { autotaskCurrencyId?: number | null }) {
  return typeof record.autotaskCurrencyId === 'number'
}

/**
 * Whether a record can go to Xero in its currency: an Autotask currency Autotask does not list, or one
 * the Xero organisation has not enabled, stops it before any Xero write. A record in the product's own
 * currency (no Autotask currency) goes as before.
 */
export function currencyProblem(
  record: { currency: string; autotaskCurrencyId?: number | null },
  what: string,
  currencies: RunCurrencies | undefined
): CurrencyProblem {
  if (!inAutotaskCurrency(record)) return null
  if (record.currency === UNKNOWN_CURRENCY) {
    return {
      reason: `The company's currency in Autotask (currency #${record.autotaskCurrencyId}) is not in Autotask's list of currencies, so the ${what}'s currency is unknown.`,
      hint: "Choose the company's currency again in Autotask (Admin → Finance, Accounting & Invoicing → Currencies), then resync.",
    }
  }
  const enabled = currencies?.enabled
  // A bug, not the data's fault: the caller must read the organisation's currencies first.
  if (!enabled) throw new Error('The Xero organisation’s currencies were not read before mapping.')
  if (enabled.has(record.currency)) return null
  return {
    reason: `The ${what} is in ${record.currency}, and the Xero organisation has not enabled ${record.currency}.`,
    hint: `Enable ${record.currency} in Xero: Settings → Currencies, then resync.`,
  }
}
