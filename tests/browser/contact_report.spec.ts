import { test } from '@japa/runner'
import { resetDatabase } from '#tests/helpers/database'
import { UserFactory } from '#database/factories/user_factory'
import Link from '#models/link'
import { reportWorld, startReportWorld, type World } from '#tests/helpers/contact_world'

/** A person finds a company in the contact report by typing, and links the right one of two Xero contacts. */
test.group('Contact report, in a browser', (group) => {
  let world: World
  group.each.setup(async () => {
    await resetDatabase()
    world = await startReportWorld()
    return () => world.close()
  })

  test('searching narrows the report as one types; Link joins the ambiguous company to the chosen contact', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { ambiguous, twinB } = await reportWorld(world)
    const owner = await UserFactory.merge({ accountId: world.product.accountId }).create()
    await browserContext.loginAs(owner)

    const page = await visit(`/products/${world.product.id}/contacts`)
    const rows = page.getByTestId('contact-row')
    await rows.first().waitFor()
    const everyone = await rows.count()
    assert.isAbove(everyone, 4)

    await page.getByTestId('contact-search').pressSequentially(String(ambiguous.companyName))
    const row = page.locator(`[data-company-id="${ambiguous.id}"]`)
    // The search has narrowed the report once the second row is gone.
    await rows.nth(1).waitFor({ state: 'detached' })
    assert.equal(await rows.count(), 1)
    assert.equal(await row.getAttribute('data-state'), 'ambiguous')
    assert.include(page.url(), 'q=')

    await row.getByTestId('contact-choice').selectOption(twinB.ContactID)
    await page.screenshot({ path: 'tmp/screenshots/contact-report.png', fullPage: true })
    await row.getByTestId('contact-link').click()
    await page.locator(`[data-company-id="${ambiguous.id}"][data-state="linked"]`).waitFor()
    await page.assertTextContains('[data-testid="contact-outcome"]', 'linked to Xero contact')
    // The search stays: the report still shows only that company.
    assert.equal(await rows.count(), 1)
    const link = await Link.query()
      .where('product_id', world.product.id)
      .where('kind', 'company_contact')
      .where('autotask_id', Number(ambiguous.id))
      .firstOrFail()
    assert.equal(link.xeroId, twinB.ContactID)
  }).timeout(120_000)
})
