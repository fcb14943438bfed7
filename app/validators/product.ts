import vine from '@vinejs/vine'
import { productStatuses } from '#enums/product_status'

/** Shared rule: a product's display name. */
export const productName = () => vine.string().trim().minLength(2).maxLength(100)

export const createProductValidator = vine.compile(vine.object({ name: productName() }))

export const productStatusValidator = vine.compile(
  vine.object({ status: vine.enum(productStatuses) })
)
