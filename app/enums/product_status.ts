/** A product syncs only while Active; a new product starts Paused. */
export const productStatuses = ['paused', 'active'] as const
export type ProductStatus = (typeof productStatuses)[number]
