import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import { errors as vineErrors } from '@vinejs/vine'
import router from '@adonisjs/core/services/router'
import AuditService, { auditActions, type AuditFilters } from '#services/audit_service'
import { auditExportSheet } from '#services/audit_export_service'
import { sendExport } from '#services/record_export_service'
import AuditPolicy from '#policies/audit_policy'
import { auditFiltersValidator } from '#validators/audit'
import { filledQuery } from '#validators/record_filters'

/**
 * The Audit page: an account's trail for its owners and admins (`audit.*`),
 * every account's for staff (`staff.audit.*`). Filters are the query string.
 */
@inject()
export default class AuditEventsController {
  constructor(protected audit: AuditService) {}

  async index(ctx: HttpContext) {
    const everyAccount = await this.authorize(ctx)
    const filters = await this.filters(ctx)
    if (!filters.ok) return this.refuse(ctx, filters.reason)
    const scope = everyAccount ? null : ctx.account.id
    const page = await this.audit.page(scope, filters.value)
    const state = {
      ...page,
      filters: filters.value,
      everyAccount,
      actions: auditActions,
      choices: await this.audit.filterChoices(scope),
      baseRoute: everyAccount ? 'staff.audit' : 'audit',
      exportUrls: {
        csv: this.url(ctx, everyAccount, {}, 'csv'),
        xlsx: this.url(ctx, everyAccount, {}, 'xlsx'),
      },
      olderUrl: page.nextBefore ? this.url(ctx, everyAccount, { before: page.nextBefore }) : null,
    }
    ctx.response.header('Vary', 'HX-Request')
    if (ctx.isHtmx && ctx.request.header('hx-target') === 'audit-table')
      return ctx.view.render('partials/audit_events/table', state)
    return ctx.view.render('pages/audit_events/index', state)
  }

  async export(ctx: HttpContext) {
    const everyAccount = await this.authorize(ctx)
    const filters = await this.filters(ctx)
    if (!filters.ok) return this.refuse(ctx, filters.reason)
    const format = ctx.params.format === 'xlsx' ? 'xlsx' : 'csv'
    return sendExport(ctx.response, {
      ...auditExportSheet,
      name: `audit-${everyAccount ? 'all' : ctx.account.id}`,
      format,
      rows: this.audit.stream(everyAccount ? null : ctx.account.id, filters.value),
    })
  }

  /** Owners, admins and staff; the staff routes show every account. Viewers get a 403. */
  private async authorize(ctx: HttpContext) {
    const everyAccount = (ctx.route?.name ?? '').startsWith('staff.')
    await ctx.bouncer.with(AuditPolicy).authorize(everyAccount ? 'viewEveryAccount' : 'view')
    return everyAccount
  }

  private async filters(
    ctx: HttpContext
  ): Promise<{ ok: true; value: AuditFilters } | { ok: false; reason: string }> {
    const [error, value] = await auditFiltersValidator.tryValidate(filledQuery(ctx.request.qs()))
    if (error instanceof vineErrors.E_VALIDATION_ERROR) {
      return {
        ok: false,
        reason: error.messages.map((m: { message: string }) => m.message).join(' '),
      }
    }
    if (error) throw error
    return { ok: true, value }
  }

  /** A bad filter (too long, unknown action, a date that is not YYYY-MM-DD) is a 422 with the reason. */
  private refuse(ctx: HttpContext, reason: string) {
    ctx.response.status(422)
    return ctx.response.send(`The audit filters are not valid: ${reason}`)
  }

  /** The page (or an export) with the current filters kept. */
  private url(
    ctx: HttpContext,
    everyAccount: boolean,
    extra: Record<string, string | number>,
    format?: 'csv' | 'xlsx'
  ) {
    const qs = new URLSearchParams()
    const { before, ...kept } = filledQuery(ctx.request.qs())
    for (const [name, value] of Object.entries({
      ...kept,
      ...(format ? {} : { before }),
      ...extra,
    }))
      if (value !== undefined) qs.set(name, String(value))
    const base = everyAccount ? 'staff.audit' : 'audit'
    const path = format
      ? router.makeUrl(`${base}.export`, { format })
      : router.makeUrl(`${base}.index`)
    return `${path}?${qs}`
  }
}
