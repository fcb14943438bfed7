import vine from '@vinejs/vine'
import { userRoles } from '#enums/user_role'
import { planNames } from '#config/plans'
import { newPassword } from '#validators/password'

/** A new user, from the console or the users page. */
export const createUserValidator = vine.compile(
  vine.object({
    email: vine.string().trim().toLowerCase().email().maxLength(254),
    password: newPassword(),
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
    password: newPassword(),
    role: vine.enum(userRoles),
  })
)

export const userRoleValidator = vine.compile(vine.object({ role: vine.enum(userRoles) }))

/** Changing one's own password: the current one, then a new one that meets the rules. */
export const changePasswordValidator = vine.compile(
  vine.object({
    currentPassword: vine.string().minLength(1).maxLength(200),
    password: newPassword().confirmed({ confirmationField: 'passwordConfirmation' }),
  })
)

/** The owner's switch: every user of the account signs in with a second factor. */
export const twoFactorPolicyValidator = vine.compile(
  vine.object({ requiresTwoFactor: vine.boolean() })
)
