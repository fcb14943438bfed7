import { test } from '@japa/runner'
import { hintFor } from '#sync/invoice_push'

test.group('Fix hints for Xero validation messages', () => {
  test('each kind of Xero validation message gets the fix a bookkeeper can make', ({ assert }) => {
    // Xero's ValidationErrors[].Message (xero_accounting.yaml, ValidationError), worded as the sandbox words them.
    const cases: [string, string][] = [
      [
        "Account code '999' is not a valid code for this document.",
        'Map the billing code to an active Xero account in Settings → Mappings, then resync.',
      ],
      [
        "The TaxType code 'OUTPUT9' does not exist or cannot be used for this type of transaction.",
        "Check the tax mapping in Settings → Mappings against Xero's tax rates, then resync.",
      ],
      [
        'Invoice # must be unique.',
        'Another Xero document already uses this number: renumber one of them, then resync.',
      ],
      ['The contact is archived.', 'Check the Xero contact linked to this company, then resync.'],
      [
        'The contact name Harbour Café Ltd must be unique.',
        'Check the Xero contact linked to this company, then resync.',
      ],
      [
        'The total of the line items does not match.',
        'The amounts do not add up for Xero: check the invoice lines in Autotask, then resync.',
      ],
      ['Something unforeseen.', 'Correct the invoice in Autotask or the mappings, then resync.'],
    ]
    for (const [message, hint] of cases) assert.equal(hintFor(message), hint, message)
  })

  test('the most specific rule wins when a message names several things', ({ assert }) => {
    // An account code message that also says "line" is about the account, not the amounts.
    assert.equal(
      hintFor("Line item 2: Account code '200' has been archived."),
      'Map the billing code to an active Xero account in Settings → Mappings, then resync.'
    )
    assert.equal(
      hintFor('INVOICE NUMBER MUST BE UNIQUE'),
      'Another Xero document already uses this number: renumber one of them, then resync.'
    )
  })
})
