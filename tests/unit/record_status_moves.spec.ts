import { test } from '@japa/runner'
import { recordStatuses, type RecordStatus } from '#enums/record_status'
import { statusMove, type RecordAction } from '#services/record_status_service'

/** PRODUCT.md §2: the moves people make, as [action, from, to]; every other pair is refused. */
const allowed: [RecordAction, RecordStatus, RecordStatus][] = [
  ['resync', 'fault', 'pending'],
  ['resync', 'synced', 'pending'],
  ['skip', 'pending', 'skipped'],
  ['skip', 'synced', 'skipped'],
  ['skip', 'fault', 'skipped'],
  ['skip', 'diagnostic', 'skipped'],
  ['unskip', 'skipped', 'pending'],
  ['diagnose', 'pending', 'diagnostic'],
  ['diagnose', 'synced', 'diagnostic'],
  ['diagnose', 'fault', 'diagnostic'],
  ['diagnose', 'skipped', 'diagnostic'],
  ['release', 'diagnostic', 'pending'],
]
const actions: RecordAction[] = ['resync', 'skip', 'unskip', 'diagnose', 'release']

test.group('Record status moves (the rule, nothing written)', () => {
  test('each action moves only from the statuses PRODUCT.md allows, to the status it names', ({
    assert,
  }) => {
    for (const action of actions) {
      for (const from of recordStatuses) {
        const result = statusMove(action, { status: from, previousStatus: null }, 'invoice')
        const expected = allowed.find(([a, f]) => a === action && f === from)
        assert.equal(result.ok, Boolean(expected), `${action} from ${from}`)
        if (expected && result.ok)
          assert.equal(result.status, expected[2], `${action} from ${from}`)
      }
    }
  })

  test('a release goes back to the status before the trace, or to pending when that was a claim', ({
    assert,
  }) => {
    assert.deepEqual(
      statusMove('release', { status: 'diagnostic', previousStatus: 'synced' }, 'invoice'),
      {
        ok: true,
        status: 'synced',
      }
    )
    assert.deepEqual(
      statusMove('release', { status: 'diagnostic', previousStatus: 'processing' }, 'invoice'),
      {
        ok: true,
        status: 'pending',
      }
    )
  })

  test('a refusal says why in plain words, naming the kind of record', ({ assert }) => {
    const reason = (action: RecordAction, status: RecordStatus, label = 'invoice') => {
      const result = statusMove(action, { status, previousStatus: null }, label)
      return result.ok ? null : result.reason
    }
    assert.equal(
      reason('resync', 'pending'),
      'Only a synced or faulted invoice can be resynced; this one is Pending Sync.'
    )
    assert.equal(
      reason('skip', 'processing'),
      'The invoice is being pushed right now; try again in a moment.'
    )
    assert.equal(
      reason('skip', 'skipped', 'purchase order'),
      'The purchase order is already skipped.'
    )
    assert.equal(
      reason('unskip', 'fault'),
      'Only a skipped invoice can be unskipped; this one is Fault.'
    )
    assert.equal(
      reason('diagnose', 'processing', 'purchase order'),
      'A purchase order that is Processing Now cannot enter Diagnostic Mode now.'
    )
    assert.equal(reason('release', 'synced'), 'The invoice is not in Diagnostic Mode.')
  })
})
