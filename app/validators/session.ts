import vine from '@vinejs/vine'

/** The sign-in form. */
export const loginValidator = vine.compile(
  vine.object({
    email: vine.string().trim().toLowerCase().email().maxLength(254),
    password: vine.string().minLength(1).maxLength(200),
  })
)

/** The second sign-in step: a 6-digit code from the app, or a recovery code (xxxxx-xxxxx). */
export const secondFactorValidator = vine.compile(
  vine.object({
    code: vine.string().trim().minLength(6).maxLength(20),
  })
)

/** Confirming enrolment: the code the app shows for the new secret. */
export const enrolmentCodeValidator = vine.compile(
  vine.object({
    code: vine
      .string()
      .trim()
      .regex(/^\d{3}\s?\d{3}$/),
  })
)

/** Confirming a sensitive change of one's own (turning the second factor off). */
export const currentPasswordValidator = vine.compile(
  vine.object({ currentPassword: vine.string().minLength(1).maxLength(200) })
)
