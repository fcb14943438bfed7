import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ContactReportService, {
  contactReportColumns,
  contactStateLabels,
} from '#services/contact_report_service'
import { sendExport } from '#services/record_export_service'
import ProductPolicy from '#policies/product_policy'
import { auditWeb } from '#services/audit_service'
import { filledQuery } from '#validators/record_filters'
import { contactLinkValidator, contactReportFiltersValidator } from '#validators/contact_report'

/** The contact report: every Autotask company with invoices and its Xero contact; Link and Create. */
@inject()
export default class ContactReportsController {
  constructor(protected report: ContactReportService) {}

  async index(ctx: HttpContext) {
    const state = await this.state(ctx)
    if (ctx.isHtmx && ctx.request.header('hx-target') === 'contact-report')
      return ctx.view.render('partials/contact_reports/table', state)
    return ctx.view.render('pages/contact_reports/index', state)
  }

  async export(ctx: HttpContext) {
    const product = ctx.product
    const filters = await ctx.request.validateUsing(contactReportFiltersValidator, {
      data: filledQuery(ctx.request.qs()),
    })
    const format = ctx.params.format === 'xlsx' ? 'xlsx' : 'csv'
    return sendExport(ctx.response, {
      sheet: 'Contacts',
      columns: contactReportColumns,
      name: `contacts-${product.id}`,
      format,
      rows: this.report.all(product, filters.q),
    })
  }

  async link(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const { contactId } = await ctx.request.validateUsing(contactLinkValidator)
    const companyId = Number(ctx.params.company_id)
    const outcome = await this.report.link(
      product,
      companyId,
      contactId,
      ctx.auth.getUserOrFail().email
    )
    if (outcome.ok)
      await auditWeb(ctx, 'contact.linked', {
        product,
        record: { kind: 'company', id: companyId, label: outcome.company!.name },
        details: { contactId: outcome.contact!.contactId, contactName: outcome.contact!.name },
      })
    return this.answer(ctx, outcome)
  }

  async create(ctx: HttpContext) {
    const product = ctx.product
    await ctx.bouncer.with(ProductPolicy).authorize('act', product)
    const companyId = Number(ctx.params.company_id)
    const outcome = await this.report.create(product, companyId, ctx.auth.getUserOrFail().email)
    if (outcome.ok)
      await auditWeb(ctx, 'contact.created', {
        product,
        record: { kind: 'company', id: companyId, label: outcome.company!.name },
        details: { contactId: outcome.contactId },
      })
    return this.answer(ctx, outcome)
  }

  /** The report again with the outcome above it (a 422 when refused), keeping the search and page. */
  private async answer(ctx: HttpContext, outcome: { ok: boolean; message: string }) {
    if (!ctx.isHtmx) {
      ctx.session.flash(outcome.ok ? 'notice' : 'alert', outcome.message)
      return ctx.response.redirect().back()
    }
    if (!outcome.ok) ctx.response.status(422)
    return ctx.view.render('partials/contact_reports/table', {
      ...(await this.state(ctx)),
      outcome,
    })
  }

  private async state(ctx: HttpContext) {
    const product = ctx.product
    const filters = await ctx.request.validateUsing(contactReportFiltersValidator, {
      data: filledQuery({ q: ctx.request.input('q'), page: ctx.request.input('page') }),
    })
    const canAct = await ctx.bouncer.with(ProductPolicy).allows('act', product)
    return {
      product,
      filters,
      ...(await this.report.page(product, filters)),
      stateLabels: contactStateLabels,
      canAct,
      activeTab: 'contact_reports.index',
    }
  }
}
