import { OpenAPIBackend, type Operation } from 'openapi-backend'
import ajvFormats from 'ajv-formats'

/** What a request looks like to the validator: path relative to the contract's server. */
export interface ContractRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string | string[] | undefined>
  body?: unknown
}

/** Drops keys next to `$ref`: OpenAPI 3.0 ignores them, and they break dereferencing here. */
function stripRefSiblings(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(stripRefSiblings)
    return
  }
  if (node === null || typeof node !== 'object') return
  const record = node as Record<string, unknown>
  if (typeof record.$ref === 'string') {
    for (const key of Object.keys(record)) if (key !== '$ref') delete record[key]
    return
  }
  Object.values(record).forEach(stripRefSiblings)
}

const cache = new Map<string, Promise<ContractValidator>>()

/** The engine's writes (and the reads before them) whose schemas are compiled when a contract loads. */
const WARM_UP: [string, string][] = [
  ['put', '/Invoices'],
  ['post', '/Invoices'],
  ['put', '/CreditNotes'],
  ['post', '/CreditNotes'],
  ['get', '/CreditNotes'],
  ['put', '/CreditNotes/00000000-0000-0000-0000-000000000000/Allocations'],
  ['put', '/Contacts'],
]

/**
 * Validates requests against an official Xero OpenAPI document with
 * openapi-backend in quick mode (reference/README.md): the documents carry
 * `$ref`s with sibling keys that strict document validators reject.
 */
export class ContractValidator {
  private constructor(private api: OpenAPIBackend) {}

  /** Loads (once per file) and prepares a contract. */
  static load(path: string): Promise<ContractValidator> {
    let pending = cache.get(path)
    if (!pending) {
      pending = (async () => {
        const loader = new OpenAPIBackend({ definition: path, quick: true })
        const document = (await loader.loadDocument()) as unknown as Record<string, unknown>
        stripRefSiblings(document)
        const api = new OpenAPIBackend({
          definition: document as any,
          quick: true,
          customizeAjv: (ajv: any) => {
            ajvFormats.default(ajv)
            return ajv
          },
        })
        await api.init()
        const validator = new ContractValidator(api)
        // Quick mode compiles an operation's schemas at its first check, which blocks this process (the
        // engine's too, in tests) for a second or more on a busy machine: the writes the engine sends are
        // compiled here, once per process, before any client waits on an answer.
        for (const [method, operationPath] of WARM_UP)
          validator.validate({ method, path: operationPath, query: {}, headers: {}, body: {} })
        return validator
      })()
      cache.set(path, pending)
      pending.catch(() => cache.delete(path))
    }
    return pending
  }

  /** The list of problems; empty when the request matches an operation of the contract. */
  validate(request: ContractRequest): string[] {
    const operation = this.api.matchOperation({
      method: request.method.toLowerCase(),
      path: request.path,
      headers: {},
    })
    if (!operation)
      return [`${request.method.toUpperCase()} ${request.path} is not an operation of the contract`]
    // Some paths have a twin that differs only in its parameter's name (GET /PurchaseOrders/{PurchaseOrderID}
    // and /PurchaseOrders/{PurchaseOrderNumber}): a request is valid when it is valid for one of them.
    const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}')
    const twins = this.api
      .getOperations()
      .filter((other) => other !== operation && other.method === operation.method)
      .filter((other) => shape(other.path) === shape(operation.path))
    const errors = this.check(request, operation)
    return errors.length === 0 || twins.some((twin) => this.check(request, twin).length === 0)
      ? []
      : errors
  }

  private check(request: ContractRequest, operation: Operation): string[] {
    const result = this.api.validateRequest(
      {
        method: request.method.toLowerCase(),
        path: request.path,
        query: request.query,
        headers: request.headers as Record<string, string | string[]>,
        body: request.body,
      },
      operation
    )
    if (result.valid) return []
    return (result.errors ?? []).map(
      (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`
    )
  }
}
