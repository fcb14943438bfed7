/** What a user may do within their account; viewers read and never act. */
export const userRoles = ['owner', 'admin', 'viewer'] as const
export type UserRole = (typeof userRoles)[number]
