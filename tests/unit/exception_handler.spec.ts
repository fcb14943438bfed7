import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import HttpExceptionHandler from '#exceptions/handler'

test.group('Exception handler', () => {
  test('an unexpected error renders the 500 page without the message or a stack trace', async ({
    assert,
  }) => {
    const ctx = await testUtils.createHttpContext()
    ctx.isHtmx = false
    const error = new Error('database password is hunter2')
    await new HttpExceptionHandler().handle(error, ctx)

    assert.equal(ctx.response.getStatus(), 500)
    const body = String(ctx.response.getBody())
    assert.include(body, 'Something went wrong')
    assert.notInclude(body, 'hunter2')
    assert.notInclude(body, 'at ')
    assert.notInclude(body, 'exception_handler.spec')
  })
})
