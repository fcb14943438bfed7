import vine from '@vinejs/vine'
import { userRoles } from '#enums/user_role'
import { planNames } from '#config/plans'

/** A new user, from the console or the users page. */
export const createUserValidator = vine.compile(
  vine.object({
    email: vine.string().trim().toLowerCase().email().maxLength(254),
    password: vine.string().minLength(8).maxLength(200),
    accountName: vine.string().trim().minLength(2).maxLength(150),
    role: vine.enum(userRoles),
    isStaff: vine.boolean(),
    plan: vine.enum(planNames).optional(),
  })
)

/** The users page: a new colleague in the current account. */
export const addUserValidator = vine.compile(
  vine.object({
    email: vine.string().trim().toLowerCase().email().maxLength(254),
    fullName: vine.string().trim().maxLength(150).optional(),
    password: vine.string().minLength(8).maxLength(200),
    role: vine.enum(userRoles),
  })
)

export const userRoleValidator = vine.compile(vine.object({ role: vine.enum(userRoles) }))
