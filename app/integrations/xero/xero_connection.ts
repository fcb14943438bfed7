/** Xero's OAuth token set, kept encrypted with the product. */
export interface XeroTokenSet {
  accessToken: string
  refreshToken: string
  expiresAt: string
}

/** Where a connection's tokens and health are kept; the token store reads and writes them only through this. */
export interface XeroConnectionRecord {
  /** The tokens as stored now (another process may have rotated them), adopted by the connection. */
  reload(): Promise<XeroTokenSet | null>
  /** Stores rotated tokens and marks the connection healthy. */
  saveTokens(tokens: XeroTokenSet): Promise<void>
  /** Stores the tokens and organisation chosen at the end of the OAuth flow. */
  connect(tokens: XeroTokenSet, tenant: { tenantId: string; tenantName: string }): Promise<void>
  /** Marks the connection red with this message; tokens and everything else stay. */
  markDisconnected(message: string): Promise<void>
}

/** One product's link to its Xero organisation: all the gateway and the token store know of the product. */
export interface XeroConnection {
  /** Names the product in messages and keys the single-flight refresh lock. */
  readonly productId: number
  readonly tenantId: string | null
  /** The tokens as the caller holds them now. */
  readonly tokens: XeroTokenSet | null
  readonly record: XeroConnectionRecord
}
