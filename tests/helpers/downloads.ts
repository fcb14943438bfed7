import type { ApiRequest } from '@japa/api-client'

/** Makes a request keep its answer as raw bytes (an Excel file), read back with `response.body()`. */
export function asBytes(request: ApiRequest) {
  request.request.buffer(true).parse((res, callback) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('end', () => callback(null, Buffer.concat(chunks)))
  })
}
