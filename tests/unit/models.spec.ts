import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { Decimal } from 'decimal.js'
import { resetDatabase } from '#tests/helpers/database'
import { ProductFactory } from '#database/factories/product_factory'
import { UserFactory, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { InvoiceRecordFactory } from '#database/factories/invoice_record_factory'
import { SyncLogFactory } from '#database/factories/sync_log_factory'
import Product from '#models/product'
import InvoiceRecord from '#models/invoice_record'
import SyncLog from '#models/sync_log'
import { defaultProductSettings } from '#models/product'
import User from '#models/user'
import Account from '#models/account'

test.group('Models', (group) => {
  group.each.setup(resetDatabase)

  test('a user is read with their account in one query, both as their own finders read them', async ({
    assert,
  }) => {
    const created = await UserFactory.with('account', 1, (account) =>
      account.merge({ name: 'Kauri IT', requiresTwoFactor: true })
    )
      .merge({ isStaff: true, twoFactorSecret: 'JBSWY3DPEHPK3PXP' })
      .create()
    const queries: string[] = []
    const listen = (query: { sql: string }) => queries.push(query.sql)
    db.connection().knexQuery().client.on('query', listen)
    const user = (await User.findWithAccount(created.id))!
    db.connection().knexQuery().client.off('query', listen)
    assert.lengthOf(queries, 1)

    const [alone, account] = [
      await User.findOrFail(created.id),
      await Account.findOrFail(created.accountId),
    ]
    const { account: preloaded, ...attributes } = user.serialize()
    assert.deepEqual(attributes, alone.serialize())
    assert.deepEqual(preloaded, account.serialize())
    assert.equal(user.twoFactorSecret, 'JBSWY3DPEHPK3PXP', 'sealed columns are opened')
    assert.isTrue(user.isStaff)
    assert.instanceOf(user.$preloaded.account, Account)
    assert.isTrue(user.account.requiresTwoFactor)
    assert.isFalse(user.$isDirty || user.account.$isDirty, 'read as stored: saving changes nothing')
    assert.isNull(await User.findWithAccount(created.id + 1000))
  })

  test('product secrets are encrypted in the row and absent from toJSON()', async ({ assert }) => {
    const product = await ProductFactory.with('account')
      .merge({
        autotaskSecret: 'at-secret-value-123',
        autotaskIntegrationCode: 'INTEGRATIONCODE42',
        xeroTokens: {
          accessToken: 'xero-access-abc',
          refreshToken: 'xero-refresh-def',
          expiresAt: '2026-01-01T00:00:00Z',
        },
      })
      .create()

    const row = await db.from('products').where('id', product.id).firstOrFail()
    for (const column of ['autotask_secret', 'autotask_integration_code', 'xero_tokens']) {
      assert.isString(row[column])
    }
    const rawRow = JSON.stringify(row)
    for (const secret of [
      'at-secret-value-123',
      'INTEGRATIONCODE42',
      'xero-access-abc',
      'xero-refresh-def',
    ]) {
      assert.notInclude(rawRow, secret)
    }

    const reloaded = await Product.findOrFail(product.id)
    assert.equal(reloaded.autotaskSecret, 'at-secret-value-123')
    assert.equal(reloaded.autotaskIntegrationCode, 'INTEGRATIONCODE42')
    assert.equal(reloaded.xeroTokens?.refreshToken, 'xero-refresh-def')

    const json = JSON.stringify(reloaded.toJSON())
    assert.notInclude(json, 'at-secret-value-123')
    assert.notInclude(json, 'xero-refresh-def')
    assert.notProperty(reloaded.toJSON(), 'autotaskSecret')
    assert.notProperty(reloaded.toJSON(), 'xeroTokens')
  })

  test('a secret read again follows the row, and changing a read token set does not change the next read', async ({
    assert,
  }) => {
    const tokens = {
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
      expiresAt: '2026-01-01T00:00:00Z',
    }
    const product = await ProductFactory.with('account')
      .merge({ autotaskSecret: 'first-secret', xeroTokens: tokens })
      .create()

    const first = await Product.findOrFail(product.id)
    first.xeroTokens!.accessToken = 'changed-in-memory'
    const second = await Product.findOrFail(product.id)
    assert.equal(second.xeroTokens?.accessToken, 'access-1')

    second.autotaskSecret = 'second-secret'
    second.xeroTokens = { ...tokens, refreshToken: 'refresh-2' }
    await second.save()
    const third = await Product.findOrFail(product.id)
    assert.equal(third.autotaskSecret, 'second-secret')
    assert.equal(third.xeroTokens?.refreshToken, 'refresh-2')
  })

  test('user passwords are hashed and never serialised', async ({ assert }) => {
    const user = await UserFactory.with('account').create()
    const row = await db.from('users').where('id', user.id).firstOrFail()
    assert.notEqual(row.password, FACTORY_PASSWORD)
    assert.match(row.password, /^\$scrypt\$/)
    assert.notProperty(user.toJSON(), 'password')
  })

  test('money round-trips exactly at 4 decimals', async ({ assert }) => {
    const invoice = await InvoiceRecordFactory.with('product', 1, (p) => p.with('account'))
      .merge({
        subtotal: new Decimal('1234.5678'),
        taxTotal: new Decimal('185.1852'),
        total: new Decimal('1419.7530'),
      })
      .create()
    const reloaded = await InvoiceRecord.findOrFail(invoice.id)
    assert.instanceOf(reloaded.total, Decimal)
    assert.equal(reloaded.subtotal.toFixed(4), '1234.5678')
    assert.equal(reloaded.subtotal.add(reloaded.taxTotal).toFixed(4), reloaded.total.toFixed(4))
  })

  test('Autotask id is unique per product, not globally', async ({ assert }) => {
    const first = await InvoiceRecordFactory.with('product', 1, (p) => p.with('account'))
      .merge({ autotaskId: 777 })
      .create()
    const otherProduct = await ProductFactory.with('account').create()
    await InvoiceRecordFactory.merge({ autotaskId: 777, productId: otherProduct.id }).create()
    await assert.rejects(() =>
      InvoiceRecordFactory.merge({ autotaskId: 777, productId: first.productId }).create()
    )
  })

  test('settings fall back to the defaults for options never saved', async ({ assert }) => {
    const product = await ProductFactory.with('account')
      .merge({ settings: { daysBack: 7 } })
      .create()
    const reloaded = await Product.findOrFail(product.id)
    assert.equal(reloaded.effectiveSettings.daysBack, 7)
    assert.equal(reloaded.effectiveSettings.invoiceStatus, defaultProductSettings.invoiceStatus)
  })

  test('sync log text search finds lines by word and prefix, within a product', async ({
    assert,
  }) => {
    const product = await ProductFactory.with('account').create()
    const other = await ProductFactory.with('account').create()
    await SyncLogFactory.merge({
      productId: product.id,
      message: 'Contact "Fabrikam Ltd" created in Xero',
    }).create()
    await SyncLogFactory.merge({ productId: product.id, message: 'Invoice 1001 synced' }).create()
    await SyncLogFactory.merge({
      productId: other.id,
      message: 'Contact "Fabrikam Ltd" matched by number',
    }).create()

    const byWord = await SyncLog.query()
      .where('product_id', product.id)
      .apply((s) => s.matching('fabrikam'))
    assert.deepEqual(
      byWord.map((line) => line.message),
      ['Contact "Fabrikam Ltd" created in Xero']
    )
    const byPrefix = await SyncLog.query()
      .where('product_id', product.id)
      .apply((s) => s.matching('Fabri crea'))
    assert.lengthOf(byPrefix, 1)
    const none = await SyncLog.query()
      .where('product_id', product.id)
      .apply((s) => s.matching('Contoso'))
    assert.lengthOf(none, 0)
  })

  test('an account reads its plan from config', async ({ assert }) => {
    const user = await UserFactory.with('account', 1, (a) => a.apply('starter')).create()
    await user.load('account')
    assert.isFalse(user.account.features.onDemandSync)
    assert.equal(user.account.features.maxProducts, 1)
  })
})
