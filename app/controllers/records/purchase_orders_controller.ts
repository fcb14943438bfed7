import RecordsController from '#controllers/records/records_controller'

/** The Purchase Orders tab. */
export default class PurchaseOrdersController extends RecordsController {
  kind = 'purchase_order' as const
}
