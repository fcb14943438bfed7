import { envelope } from '#sandbox/xero/format'
import type { AccountingCall, SandboxAnswer } from '#sandbox/xero/accounting'
import type { SandboxOrganisation, SandboxTaxRate } from '#sandbox/xero/types'

/*
| Tax rates added to (or changed in) an organisation, as in Xero. Sources: the contract
| (xero_accounting.yaml): PUT /TaxRates `createTaxRates` and POST /TaxRates `updateTaxRate`, body
| {TaxRates: [{Name, TaxType, TaxComponents: [{Name, Rate, IsCompound, IsNonRecoverable}], Status,
| ReportTaxType}]}; TaxRate.EffectiveRate / DisplayTaxRate. Strict, and noted as such: a new rate needs a
| Name unique among the active rates and at least one component with a Rate from 0 to 100; Xero names
| the new tax type itself (TAX001, TAX002, … in the sandbox); a compound component applies to the
| amount plus the simple components' tax.
*/

type Json = Record<string, any>

function refused(message: string, elements: unknown[] = []): SandboxAnswer {
  return {
    status: 400,
    body: { ErrorNumber: 10, Type: 'ValidationException', Message: message, Elements: elements },
  }
}

/** The rate a line is taxed at: simple components added, compound ones on top of them. */
function effectiveRate(components: SandboxTaxRate['TaxComponents']): number {
  const simple = components
    .filter((component) => !component.IsCompound)
    .reduce((sum, component) => sum + component.Rate, 0)
  const compound = components
    .filter((component) => component.IsCompound)
    .reduce((sum, component) => sum + component.Rate, 0)
  return Math.round((simple + (compound * (100 + simple)) / 100) * 10_000) / 10_000
}

function componentsOf(input: Json, errors: string[]): SandboxTaxRate['TaxComponents'] | null {
  if (!Array.isArray(input.TaxComponents) || input.TaxComponents.length === 0) {
    errors.push('A tax rate must have at least one tax component.')
    return null
  }
  return input.TaxComponents.map((component: Json) => {
    const rate = Number(component.Rate)
    if (!component.Name) errors.push('Each tax component must have a Name.')
    if (!Number.isFinite(rate) || rate < 0 || rate > 100)
      errors.push('A tax component Rate must be between 0 and 100.')
    return {
      Name: String(component.Name ?? ''),
      Rate: rate,
      IsCompound: Boolean(component.IsCompound),
      IsNonRecoverable: Boolean(component.IsNonRecoverable),
    }
  })
}

function nextTaxType(org: SandboxOrganisation): string {
  let number = org.taxRates.length
  let taxType: string
  do {
    number += 1
    taxType = `TAX${String(number).padStart(3, '0')}`
  } while (org.taxRates.some((rate) => rate.TaxType === taxType))
  return taxType
}

/** PUT /TaxRates (create) and POST /TaxRates (update by TaxType or Name); all or nothing. */
export function saveTaxRates(call: AccountingCall): SandboxAnswer {
  const { org, method, state } = call
  const inputs = Array.isArray((call.body as Json)?.TaxRates)
    ? ((call.body as Json).TaxRates as Json[])
    : null
  if (!inputs) return refused('The request body must contain a TaxRates array.')
  const staged: { rate: SandboxTaxRate; existing: SandboxTaxRate | null }[] = []
  const elements: Json[] = []
  let failed = false
  for (const input of inputs) {
    const errors: string[] = []
    const existing =
      method === 'POST'
        ? (org.taxRates.find(
            (rate) => rate.TaxType === input.TaxType || (!input.TaxType && rate.Name === input.Name)
          ) ?? null)
        : null
    if (method === 'POST' && !existing) errors.push('The tax rate to update could not be found.')
    const name = String(input.Name ?? existing?.Name ?? '').trim()
    if (!name) errors.push('A tax rate must have a Name.')
    const clash = org.taxRates.find(
      (rate) => rate.Status === 'ACTIVE' && rate.Name === name && rate !== existing
    )
    if (clash) errors.push(`A tax rate named '${name}' already exists.`)
    const components =
      input.TaxComponents !== undefined || !existing
        ? componentsOf(input, errors)
        : existing.TaxComponents
    const status = String(input.Status ?? existing?.Status ?? 'ACTIVE').toUpperCase()
    if (!['ACTIVE', 'DELETED', 'ARCHIVED'].includes(status))
      errors.push(`Tax rate status ${status} is not valid.`)
    if (errors.length > 0 || !components) {
      failed = true
      elements.push({ ...input, ValidationErrors: errors.map((message) => ({ Message: message })) })
      continue
    }
    const effective = effectiveRate(components)
    const rate: SandboxTaxRate = {
      Name: name,
      TaxType: existing?.TaxType ?? nextTaxType(org),
      TaxComponents: components,
      Status: status,
      ReportTaxType: String(input.ReportTaxType ?? existing?.ReportTaxType ?? 'OUTPUT'),
      CanApplyToAssets: true,
      CanApplyToEquity: true,
      CanApplyToExpenses: true,
      CanApplyToLiabilities: true,
      CanApplyToRevenue: true,
      DisplayTaxRate: effective,
      EffectiveRate: effective,
    }
    staged.push({ rate, existing })
    elements.push({ ...rate })
  }
  if (failed)
    return refused(
      'A validation exception occurred',
      elements.filter((element) => element.ValidationErrors)
    )
  for (const { rate, existing } of staged) {
    if (existing) Object.assign(existing, rate)
    else org.taxRates.push(rate)
  }
  return { status: 200, body: envelope(state.clock.now(), 'TaxRates', elements) }
}
