import RecordsController from '#controllers/records/records_controller'

/** The Invoices tab. */
export default class InvoicesController extends RecordsController {
  kind = 'invoice' as const
}
