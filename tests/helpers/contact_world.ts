import { randomUUID } from 'node:crypto'
import Product from '#models/product'
import { XERO_SANDBOX_TENANTS } from '#sandbox/xero/index'
import type { SandboxContact } from '#sandbox/xero/types'
import type { SandboxRecord } from '#sandbox/autotask/index'
import { startSyncWorld } from '#tests/helpers/sync_world'

export type World = Awaited<ReturnType<typeof startSyncWorld>>

const NZ = XERO_SANDBOX_TENANTS.nz.tenantId

export function keyedContact(world: World, name: string, extra: Partial<SandboxContact> = {}) {
  const contact: SandboxContact = {
    ContactID: randomUUID(),
    ContactStatus: 'ACTIVE',
    Name: name,
    IsSupplier: false,
    IsCustomer: true,
    Addresses: [],
    Phones: [],
    UpdatedDateUTC: Date.now(),
    ...extra,
  }
  world.xero.state.organisation(NZ)!.contacts.push(contact)
  return contact
}

/** The state each company's row shows: `data-company-id="…" data-state="…"`. */
export function statesOf(html: string) {
  return new Map(
    [...html.matchAll(/data-company-id="(\d+)" data-state="(\w+)"/g)].map((m) => [
      Number(m[1]),
      m[2],
    ])
  )
}

/**
 * A run with contact creation off, so companies stay unlinked, then Xero contacts keyed by a person:
 * `linked` had one with its number before the run, `matched` gets one with its name, `ambiguous`
 * two whose names differ only in spacing, `none` nothing.
 */
export async function reportWorld(world: World) {
  const product = await Product.findOrFail(world.product.id)
  product.settings = { ...(product.settings ?? {}), createContacts: false }
  await product.save()
  const ids = new Set(
    [...world.autotask.state.tables.Invoices.values()].map((invoice) => Number(invoice.companyID))
  )
  const companies = [...world.autotask.state.tables.Companies.values()]
    .filter(
      (company) =>
        ids.has(Number(company.id)) && /^[A-Za-z]+( [A-Za-z]+)+$/.test(String(company.companyName))
    )
    .sort((a, b) => Number(a.id) - Number(b.id))
  const [linked, matched, ambiguous, none] = companies as SandboxRecord[]
  const linkedContact = keyedContact(world, `${linked.companyName} (Xero)`, {
    ContactNumber: String(linked.id),
  })
  await world.run()
  const matchedContact = keyedContact(world, String(matched.companyName))
  const [twinA, twinB] = [
    keyedContact(world, String(ambiguous.companyName)),
    keyedContact(world, String(ambiguous.companyName).replace(' ', '  ')),
  ]
  return { linked, matched, ambiguous, none, linkedContact, matchedContact, twinA, twinB }
}

/** A sync world with more companies than the eleven with special names, so four plain ones have invoices. */
export function startReportWorld() {
  return startSyncWorld({
    autotask: { companies: 24, invoices: 60 },
    xeroClient: { timeoutMs: 30_000 },
  })
}
