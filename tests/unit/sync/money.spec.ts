import { test } from '@japa/runner'
import { type Decimal } from 'decimal.js'
import { checkTotals, fitLine, lineAmount, lineTax, priceLine, round2, totals } from '#sync/money'

test.group('Money (Xero arithmetic)', () => {
  test('ties round away from zero, as Xero does', ({ assert }) => {
    assert.equal(round2('2.165').toFixed(2), '2.17')
    assert.equal(round2('-2.165').toFixed(2), '-2.17')
    assert.equal(round2('2.164999').toFixed(2), '2.16')
  })

  test('line amount uses 4-dp quantity and unit amount, then rounds to cents', ({ assert }) => {
    assert.equal(lineAmount('3', '33.33335').toFixed(2), '100.00')
    assert.equal(lineAmount('1.5', '10.1234567').toFixed(2), '15.19')
    // 0.1 + 0.2 in floats would be 0.30000000000000004
    assert.equal(lineAmount('0.1', '1').add(lineAmount('0.2', '1')).toFixed(2), '0.30')
  })

  test('tax is per line: exclusive, inclusive and none', ({ assert }) => {
    assert.equal(lineTax('100.01', '15', 'Exclusive').toFixed(2), '15.00')
    assert.equal(lineTax('115.00', '15', 'Inclusive').toFixed(2), '15.00')
    assert.equal(lineTax('99.99', '15', 'NoTax').toFixed(2), '0.00')
  })

  test('per-line rounding differs from rounding the invoice total, and we follow Xero', ({
    assert,
  }) => {
    const lines = [1, 2, 3].map(() => priceLine('1', '0.10', '15', 'Exclusive'))
    const result = totals(lines, 'Exclusive')
    // each line's tax 0.015 rounds to 0.02; total tax 0.06, not round2(0.045) = 0.05
    assert.equal(result.totalTax.toFixed(2), '0.06')
    assert.equal(result.total.toFixed(2), '0.36')
  })

  test('a credit line becomes a positive quantity with a negative unit amount', ({ assert }) => {
    const line = priceLine('-2', '25', '15', 'Exclusive')
    assert.equal(line.quantity.toFixed(4), '2.0000')
    assert.equal(line.unitAmount.toFixed(4), '-25.0000')
    assert.equal(line.lineAmount.toFixed(2), '-50.00')
    assert.equal(line.taxAmount.toFixed(2), '-7.50')
  })

  test('a block-hour line whose extended price is not quantity × rate is sent as 1 × extended price', ({
    assert,
  }) => {
    const fitted = fitLine('3', '33.3333333', '99.99', '15', 'Exclusive')
    assert.isTrue(fitted.collapsed)
    assert.equal(fitted.quantity.toFixed(4), '1.0000')
    assert.equal(fitted.lineAmount.toFixed(2), '99.99')
    const exact = fitLine('2', '50', '100', '15', 'Exclusive')
    assert.isFalse(exact.collapsed)
    assert.equal(exact.quantity.toFixed(0), '2')
  })

  test('the totals check passes equal totals, rounds within tolerance, and faults with both figures', ({
    assert,
  }) => {
    assert.deepEqual(
      checkTotals('115.00', '115.00', 'NZD', { enabled: false, tolerance: '0.05' }),
      {
        ok: true,
        rounding: null,
      }
    )
    const rounded = checkTotals('115.01', '115.00', 'NZD', { enabled: true, tolerance: '0.05' })
    assert.isTrue(rounded.ok)
    assert.equal((rounded as { rounding: Decimal }).rounding.toFixed(2), '0.01')
    const fault = checkTotals('115.01', '115.00', 'NZD', { enabled: false, tolerance: '0.05' })
    assert.isFalse(fault.ok)
    assert.equal(
      (fault as { reason: string }).reason,
      'Invoice amounts do not match: Autotask NZD 115.01, Xero would total NZD 115.00.'
    )
    const tooFar = checkTotals('120.00', '115.00', 'NZD', { enabled: true, tolerance: '0.05' })
    assert.isFalse(tooFar.ok)
  })
})
