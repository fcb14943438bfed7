import { envelope } from '#sandbox/xero/format'
import {
  validationException,
  type AccountingCall,
  type SandboxAnswer,
} from '#sandbox/xero/accounting'
import type { SandboxCurrency, SandboxOrganisation } from '#sandbox/xero/types'

/*
| The currencies an organisation has enabled, as in Xero. Sources: the contract (xero_accounting.yaml):
| GET /Currencies `getCurrencies` → {Currencies: [{Code, Description}]}, PUT /Currencies `createCurrency`
| with one Currency {Code, Description} in the body; Organisation.BaseCurrency. The error a document in a
| currency the organisation has not added gets, as Xero words it: "Organisation is not subscribed to
| currency USD" (Expensify's Xero help, error XRO068 "Organization is not subscribed to currency x": "Xero
| requires the currencies you're using … to be added to your account"; the fix is Settings → Currencies →
| Add Currency). Strict, and noted as such: a code must be three capital letters Intl knows as a currency;
| adding one already there is refused (Xero documents nothing for either); the base currency is always listed.
*/

type Json = Record<string, any>

/** The organisation's currencies, its base currency first (an older saved sandbox has none stored). */
export function currenciesOf(org: SandboxOrganisation): SandboxCurrency[] {
  if (!org.currencies?.length)
    org.currencies = [{ Code: org.baseCurrency, Description: describe(org.baseCurrency) }]
  return org.currencies
}

/** Xero's validation message for a document in `code`, or null when the organisation has the currency. */
export function currencyError(org: SandboxOrganisation, code: unknown): string | null {
  if (code === undefined || code === null || code === '') return null
  return currenciesOf(org).some((currency) => currency.Code === code)
    ? null
    : `Organisation is not subscribed to currency ${String(code)}`
}

/** GET /Currencies. */
export function listCurrencies(call: AccountingCall): SandboxAnswer {
  return {
    status: 200,
    body: envelope(
      call.state.clock.now(),
      'Currencies',
      currenciesOf(call.org).map((currency) => ({ ...currency }))
    ),
  }
}

/** PUT /Currencies: adds one currency to the organisation. */
export function addCurrency(call: AccountingCall): SandboxAnswer {
  const input = (call.body ?? {}) as Json
  const code = typeof input.Code === 'string' ? input.Code : ''
  const errors: string[] = []
  if (!code) errors.push('A currency code must be provided.')
  else if (!/^[A-Z]{3}$/.test(code) || describe(code) === code)
    errors.push(`'${code}' is not a valid currency code.`)
  else if (currenciesOf(call.org).some((currency) => currency.Code === code))
    errors.push(`The currency ${code} has already been added.`)
  if (errors.length > 0) {
    return validationException('A validation exception occurred', [
      { ...input, ValidationErrors: errors.map((message) => ({ Message: message })) },
    ])
  }
  const currency = { Code: code, Description: describe(code) }
  currenciesOf(call.org).push(currency)
  return { status: 200, body: envelope(call.state.clock.now(), 'Currencies', [{ ...currency }]) }
}

function describe(code: string) {
  try {
    return new Intl.DisplayNames('en', { type: 'currency', fallback: 'code' }).of(code) ?? code
  } catch {
    return code
  }
}

/**
 * A document's currency and rate: the one it names, else the one it had, else the base currency. The
 * sandbox has no exchange-rate feed (Xero takes XE.com's daily rate when none is given): a foreign
 * document keeps the CurrencyRate it names, or 1; amounts stay in the document's own currency.
 */
export function documentCurrency(
  org: SandboxOrganisation,
  input: Json,
  existing?: { CurrencyCode: string; CurrencyRate?: number } | null
) {
  const code = String(input.CurrencyCode || existing?.CurrencyCode || org.baseCurrency)
  const rate =
    code === org.baseCurrency ? 1 : Number(input.CurrencyRate ?? existing?.CurrencyRate ?? 1) || 1
  return { CurrencyCode: code, CurrencyRate: rate }
}
