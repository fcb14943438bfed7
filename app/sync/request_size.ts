/** Documents cut into requests Xero accepts, and those too large to go even alone. */
export interface CutRequests<T> {
  requests: T[][]
  tooLarge: { item: T; bytes: number }[]
}

/**
 * Cuts documents, in order, into requests of at most `maxCount` documents and
 * `maxBytes` bytes of JSON body. `emptyBytes` is the body with no document
 * (`{"Invoices":[]}`), `bytesOf` one document's JSON; documents are joined by
 * a comma. A document over the limit even alone is set aside, never sent.
 */
export function cutBySize<T>(
  items: T[],
  bytesOf: (item: T) => number,
  limits: { emptyBytes: number; maxBytes: number; maxCount: number }
): CutRequests<T> {
  const requests: T[][] = []
  const tooLarge: { item: T; bytes: number }[] = []
  let current: T[] = []
  let currentBytes = limits.emptyBytes
  for (const item of items) {
    const bytes = bytesOf(item)
    if (limits.emptyBytes + bytes > limits.maxBytes) {
      tooLarge.push({ item, bytes: limits.emptyBytes + bytes })
      continue
    }
    const joined = currentBytes + bytes + (current.length > 0 ? 1 : 0)
    if (current.length >= limits.maxCount || joined > limits.maxBytes) {
      requests.push(current)
      current = [item]
      currentBytes = limits.emptyBytes + bytes
    } else {
      current.push(item)
      currentBytes = joined
    }
  }
  if (current.length > 0) requests.push(current)
  return { requests, tooLarge }
}

/** Bytes as a person reads them: "3.9 MB". */
export function megabytes(bytes: number) {
  return `${(bytes / 1_000_000).toFixed(1)} MB`
}
