/*
| Routes. Named, lazily imported, grouped by middleware. View paths mirror names:
| `products.show` → pages/products/show.edge.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const SessionController = () => import('#controllers/session_controller')
const DashboardController = () => import('#controllers/dashboard_controller')
const ProductsController = () => import('#controllers/products_controller')
const ProductStatusController = () => import('#controllers/product_status_controller')
const StaffAccountsController = () => import('#controllers/staff/accounts_controller')
const VendorAssetsController = () => import('#controllers/vendor_assets_controller')
const InvoicesController = () => import('#controllers/records/invoices_controller')
const PurchaseOrdersController = () => import('#controllers/records/purchase_orders_controller')
const SyncLogsController = () => import('#controllers/sync_logs_controller')
const ProductSyncsController = () => import('#controllers/product_syncs_controller')
const AnalyticsController = () => import('#controllers/analytics_controller')
const ProductSettingsController = () => import('#controllers/product_settings_controller')
const ProductSettingListsController = () => import('#controllers/product_setting_lists_controller')
const UsersController = () => import('#controllers/users_controller')
const InvoiceOriginalsController = () => import('#controllers/invoice_originals_controller')
const TwoFactorController = () => import('#controllers/two_factor_controller')
const PasswordsController = () => import('#controllers/passwords_controller')
const UserSessionsController = () => import('#controllers/user_sessions_controller')
const AuditEventsController = () => import('#controllers/audit_events_controller')
const SyncPreviewsController = () => import('#controllers/sync_previews_controller')
const ContactReportsController = () => import('#controllers/contact_reports_controller')

router.get('/vendor/:file', [VendorAssetsController, 'show']).as('vendor.show')

router
  .group(() => {
    router.get('/login', [SessionController, 'create']).as('session.create')
    router.post('/login', [SessionController, 'store']).as('session.store')
    // The second step, for users with two-factor sign-in: after the password, before signing in.
    router
      .get('/login/two-factor', [SessionController, 'createSecondFactor'])
      .as('session_two_factor.create')
    router
      .post('/login/two-factor', [SessionController, 'storeSecondFactor'])
      .as('session_two_factor.store')
  })
  .use(middleware.guest())

router
  .group(() => {
    router.post('/logout', [SessionController, 'destroy']).as('session.destroy')
    router.get('/', [DashboardController, 'show']).as('dashboard.show')

    router.get('/users', [UsersController, 'index']).as('users.index')
    router.get('/audit', [AuditEventsController, 'index']).as('audit.index')
    router
      .get('/audit/export/:format', [AuditEventsController, 'export'])
      .as('audit.export')
      .where('format', /^(csv|xlsx)$/)
    router.get('/users/new', [UsersController, 'create']).as('users.create')
    router.post('/users', [UsersController, 'store']).as('users.store')
    router
      .put('/users/:id', [UsersController, 'update'])
      .as('users.update')
      .where('id', router.matchers.number())
    router
      .delete('/users/:id', [UsersController, 'destroy'])
      .as('users.destroy')
      .where('id', router.matchers.number())
    router
      .delete('/users/:id/two-factor', [UsersController, 'resetTwoFactor'])
      .as('users.two_factor.destroy')
      .where('id', router.matchers.number())
    router
      .put('/users/two-factor-policy', [UsersController, 'updateTwoFactorPolicy'])
      .as('users.two_factor_policy.update')

    router.get('/account/two-factor', [TwoFactorController, 'show']).as('two_factor.show')
    router.post('/account/two-factor/setup', [TwoFactorController, 'setup']).as('two_factor.setup')
    router.post('/account/two-factor', [TwoFactorController, 'store']).as('two_factor.store')
    router.delete('/account/two-factor', [TwoFactorController, 'destroy']).as('two_factor.destroy')
    router
      .post('/account/two-factor/recovery-codes', [TwoFactorController, 'renewRecoveryCodes'])
      .as('two_factor.recovery_codes.store')
    router.get('/account/sessions', [UserSessionsController, 'index']).as('user_sessions.index')
    router
      .delete('/account/sessions', [UserSessionsController, 'destroyOthers'])
      .as('user_sessions.destroy_others')
    router
      .delete('/account/sessions/:handle', [UserSessionsController, 'destroy'])
      .as('user_sessions.destroy')
    router.get('/account/password', [PasswordsController, 'edit']).as('passwords.edit')
    router.put('/account/password', [PasswordsController, 'update']).as('passwords.update')

    router.get('/products/new', [ProductsController, 'create']).as('products.create')
    router.post('/products', [ProductsController, 'store']).as('products.store')
    router
      .get('/products/:id', [ProductsController, 'show'])
      .as('products.show')
      .where('id', router.matchers.number())
      .use(middleware.product({ param: 'id' }))
    router
      .put('/products/:id/status', [ProductStatusController, 'update'])
      .as('product_status.update')
      .where('id', router.matchers.number())
      .use(middleware.product({ param: 'id' }))

    // "Add a New Product" wizard: step 1 is products.create/store; steps 2–4 also re-run from a product's Settings.
    const AutotaskSetupController = () => import('#controllers/product_setup/autotask_controller')
    const XeroSetupController = () => import('#controllers/product_setup/xero_controller')
    const MappingsSetupController = () => import('#controllers/product_setup/mappings_controller')
    router
      .group(() => {
        router.get('/autotask', [AutotaskSetupController, 'edit']).as('product_setup.autotask.edit')
        router
          .put('/autotask', [AutotaskSetupController, 'update'])
          .as('product_setup.autotask.update')
        router.get('/xero', [XeroSetupController, 'show']).as('product_setup.xero.show')
        router.post('/xero', [XeroSetupController, 'store']).as('product_setup.xero.store')
        router
          .get('/xero/organisation', [XeroSetupController, 'editOrganisation'])
          .as('product_setup.organisation.edit')
        router
          .put('/xero/organisation', [XeroSetupController, 'updateOrganisation'])
          .as('product_setup.organisation.update')
        router.get('/mappings', [MappingsSetupController, 'edit']).as('product_setup.mappings.edit')
        router
          .put('/mappings', [MappingsSetupController, 'update'])
          .as('product_setup.mappings.update')
        router
          .post('/mappings/resync-held', [MappingsSetupController, 'resyncHeld'])
          .as('product_setup.mappings.resync_held')
      })
      .prefix('/products/:product_id/setup')
      .where('product_id', router.matchers.number())
      .use(middleware.product())
    router
      .get('/xero/callback', [XeroSetupController, 'callback'])
      .as('product_setup.xero.callback')

    // The product's tabs; each is a URL. Invoices and purchase orders share one controller shape (RecordsController).
    router
      .group(() => {
        router.get('/invoices', [InvoicesController, 'index']).as('invoices.index')
        router
          .get('/invoices/export/:format', [InvoicesController, 'export'])
          .as('invoices.export')
          .where('format', /^(csv|xlsx)$/)
        router
          .get('/invoices/:id', [InvoicesController, 'show'])
          .as('invoices.show')
          .where('id', router.matchers.number())
        router
          .group(() => {
            router.post('/resync', [InvoicesController, 'resync']).as('invoices.resync')
            router.post('/skip', [InvoicesController, 'skip']).as('invoices.skip')
            router.post('/unskip', [InvoicesController, 'unskip']).as('invoices.unskip')
            router.post('/diagnose', [InvoicesController, 'diagnose']).as('invoices.diagnose')
            router.post('/release', [InvoicesController, 'release']).as('invoices.release')
          })
          .prefix('/invoices/:id')
          .where('id', router.matchers.number())

        router
          .get('/purchase-orders', [PurchaseOrdersController, 'index'])
          .as('purchase_orders.index')
        router
          .get('/purchase-orders/export/:format', [PurchaseOrdersController, 'export'])
          .as('purchase_orders.export')
          .where('format', /^(csv|xlsx)$/)
        router
          .get('/purchase-orders/:id', [PurchaseOrdersController, 'show'])
          .as('purchase_orders.show')
          .where('id', router.matchers.number())
        router
          .group(() => {
            router
              .post('/resync', [PurchaseOrdersController, 'resync'])
              .as('purchase_orders.resync')
            router.post('/skip', [PurchaseOrdersController, 'skip']).as('purchase_orders.skip')
            router
              .post('/unskip', [PurchaseOrdersController, 'unskip'])
              .as('purchase_orders.unskip')
            router
              .post('/diagnose', [PurchaseOrdersController, 'diagnose'])
              .as('purchase_orders.diagnose')
            router
              .post('/release', [PurchaseOrdersController, 'release'])
              .as('purchase_orders.release')
          })
          .prefix('/purchase-orders/:id')
          .where('id', router.matchers.number())

        // View originals: the view renders at once, the Autotask copy loads into its slot, the frame serves the stored copy.
        router
          .get('/invoices/:id/originals', [InvoiceOriginalsController, 'show'])
          .as('invoice_originals.show')
          .where('id', router.matchers.number())
        // A POST: fetching the copy calls Autotask and writes a log line, so no prefetch may trigger it.
        router
          .post('/invoices/:id/originals/autotask', [InvoiceOriginalsController, 'copy'])
          .as('invoice_originals.copy')
          .where('id', router.matchers.number())
        router
          .get('/invoices/:id/originals/xero', [InvoiceOriginalsController, 'xero'])
          .as('invoice_originals.xero')
          .where('id', router.matchers.number())
        router
          .get('/invoices/:id/original', [InvoiceOriginalsController, 'frame'])
          .as('invoice_originals.frame')
          .where('id', router.matchers.number())
        router.get('/logs', [SyncLogsController, 'index']).as('sync_logs.index')
        router.post('/sync', [ProductSyncsController, 'store']).as('product_syncs.store')
        // "Preview next sync": started in the background (a thousand invoices outlast a request), polled, exported.
        router.get('/preview', [SyncPreviewsController, 'show']).as('sync_previews.show')
        router.post('/preview', [SyncPreviewsController, 'store']).as('sync_previews.store')
        router
          .get('/preview/export/:format', [SyncPreviewsController, 'export'])
          .as('sync_previews.export')
          .where('format', /^(csv|xlsx)$/)
        router
          .get('/preview/:preview_id/records/:index', [SyncPreviewsController, 'payload'])
          .as('sync_previews.payload')
          .where('preview_id', router.matchers.number())
          .where('index', router.matchers.number())
        router.get('/analytics', [AnalyticsController, 'show']).as('analytics.show')
        // The contact report: companies with invoices and their Xero contacts; Link and Create act on one company.
        router.get('/contacts', [ContactReportsController, 'index']).as('contact_reports.index')
        router
          .get('/contacts/export/:format', [ContactReportsController, 'export'])
          .as('contact_reports.export')
          .where('format', /^(csv|xlsx)$/)
        router
          .post('/contacts/:company_id/link', [ContactReportsController, 'link'])
          .as('contact_reports.link')
          .where('company_id', router.matchers.number())
        router
          .post('/contacts/:company_id/create', [ContactReportsController, 'create'])
          .as('contact_reports.create')
          .where('company_id', router.matchers.number())
        router.get('/settings', [ProductSettingsController, 'edit']).as('product_settings.edit')
        router.put('/settings', [ProductSettingsController, 'update']).as('product_settings.update')
        // Settings chosen from lists fetched from Xero and Autotask: a field, a refresh, the company search.
        router
          .get('/settings/fields/:field', [ProductSettingListsController, 'field'])
          .as('product_setting_lists.field')
        router
          .post('/settings/lists/:kind/refresh', [ProductSettingListsController, 'refresh'])
          .as('product_setting_lists.refresh')
        router
          .get('/settings/companies', [ProductSettingListsController, 'companies'])
          .as('product_setting_lists.companies')
        router
          .get('/settings/companies/:company_id', [ProductSettingListsController, 'company'])
          .as('product_setting_lists.company')
          .where('company_id', router.matchers.number())
      })
      .prefix('/products/:product_id')
      .where('product_id', router.matchers.number())
      .use(middleware.product())

    router
      .group(() => {
        router.get('/accounts', [StaffAccountsController, 'index']).as('staff.accounts.index')
        router
          .post('/accounts/:id/switch', [StaffAccountsController, 'switch'])
          .as('staff.accounts.switch')
          .where('id', router.matchers.number())
        router
          .post('/accounts/leave', [StaffAccountsController, 'leave'])
          .as('staff.accounts.leave')
        router.get('/audit', [AuditEventsController, 'index']).as('staff.audit.index')
        router
          .get('/audit/export/:format', [AuditEventsController, 'export'])
          .as('staff.audit.export')
          .where('format', /^(csv|xlsx)$/)
      })
      .prefix('/staff')
      .use(middleware.staff())
  })
  .use([middleware.auth(), middleware.account()])

// Slack (app/slack): signed by Slack instead of CSRF tokens, so excluded in config/shield.ts.
const SlackRequestsController = () => import('#slack/slack_requests_controller')
router
  .group(() => {
    router.post('/events', [SlackRequestsController, 'handle']).as('slack.events')
    router.post('/commands', [SlackRequestsController, 'handle']).as('slack.commands')
    router.post('/actions', [SlackRequestsController, 'handle']).as('slack.actions')
  })
  .prefix('/slack')
