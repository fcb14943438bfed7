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

router.get('/vendor/:file', [VendorAssetsController, 'show']).as('vendor.show')

router
  .group(() => {
    router.get('/login', [SessionController, 'create']).as('session.create')
    router.post('/login', [SessionController, 'store']).as('session.store')
  })
  .use(middleware.guest())

router
  .group(() => {
    router.post('/logout', [SessionController, 'destroy']).as('session.destroy')
    router.get('/', [DashboardController, 'show']).as('dashboard.show')

    router.get('/products/new', [ProductsController, 'create']).as('products.create')
    router.post('/products', [ProductsController, 'store']).as('products.store')
    router.get('/products/:id', [ProductsController, 'show']).as('products.show').where('id', router.matchers.number())
    router
      .put('/products/:id/status', [ProductStatusController, 'update'])
      .as('product_status.update')
      .where('id', router.matchers.number())

    router
      .group(() => {
        router.get('/accounts', [StaffAccountsController, 'index']).as('staff.accounts.index')
        router
          .post('/accounts/:id/switch', [StaffAccountsController, 'switch'])
          .as('staff.accounts.switch')
          .where('id', router.matchers.number())
        router.post('/accounts/leave', [StaffAccountsController, 'leave']).as('staff.accounts.leave')
      })
      .prefix('/staff')
      .use(middleware.staff())
  })
  .use([middleware.auth(), middleware.account()])
