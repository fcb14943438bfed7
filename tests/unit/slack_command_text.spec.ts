import { test } from '@japa/runner'
import { parseCommandText } from '#slack/command_handler'

test.group('Slack slash command text', () => {
  test('each verb is read with the rest of the words, whatever the case and spacing', ({
    assert,
  }) => {
    assert.deepEqual(parseCommandText('status'), { verb: 'status', rest: '' })
    assert.deepEqual(parseCommandText('  STATUS   Acme   Books '), {
      verb: 'status',
      rest: 'Acme Books',
    })
    assert.deepEqual(parseCommandText('resync INV-1001'), { verb: 'resync', rest: 'INV-1001' })
    assert.deepEqual(parseCommandText('pause Acme'), { verb: 'pause', rest: 'Acme' })
    assert.deepEqual(parseCommandText('Resume Acme'), { verb: 'resume', rest: 'Acme' })
    assert.deepEqual(parseCommandText('link 4821'), { verb: 'link', rest: '4821' })
    assert.deepEqual(parseCommandText('approve U024BE7LH'), { verb: 'approve', rest: 'U024BE7LH' })
    assert.deepEqual(parseCommandText('Preview  Acme Books'), {
      verb: 'preview',
      rest: 'Acme Books',
    })
  })

  test('"sync now" is two words; "sync" alone or with another word is not a command', ({
    assert,
  }) => {
    assert.deepEqual(parseCommandText('sync now Acme Books'), {
      verb: 'sync_now',
      rest: 'Acme Books',
    })
    assert.deepEqual(parseCommandText('Sync\tNOW'), { verb: 'sync_now', rest: '' })
    assert.deepEqual(parseCommandText('sync'), { verb: 'unknown', words: 'sync' })
    assert.deepEqual(parseCommandText('sync nowhere'), { verb: 'unknown', words: 'sync nowhere' })
  })

  test('empty text and "help" ask for help; anything else is unknown, with the words as typed', ({
    assert,
  }) => {
    assert.deepEqual(parseCommandText(''), { verb: 'help' })
    assert.deepEqual(parseCommandText('   '), { verb: 'help' })
    assert.deepEqual(parseCommandText('HELP me'), { verb: 'help' })
    assert.deepEqual(parseCommandText('delete  everything'), {
      verb: 'unknown',
      words: 'delete everything',
    })
  })
})
