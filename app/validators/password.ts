import vine from '@vinejs/vine'
import { dictionary } from '@zxcvbn-ts/language-common'

/**
 * The 49,000 most common passwords from zxcvbn-ts's common-language list (the list its
 * strength estimator uses), lower-cased: "password", "123456789012" and friends are refused.
 */
const commonPasswords = new Set(
  (dictionary['passwords-common'] as string[]).map((word) => word.toLowerCase())
)

const PASSWORD_MIN_LENGTH = 12

/** True when the password is on the common-passwords list (case does not matter). */
function isCommonPassword(password: string) {
  return commonPasswords.has(password.toLowerCase())
}

const notCommon = vine.createRule((value, _options, field) => {
  if (typeof value !== 'string') return
  if (isCommonPassword(value)) {
    field.report(
      'This password is one of the most common ones, which are tried first. Choose another.',
      'notCommon',
      field
    )
  }
})

/** A new password: at least 12 characters and not a common one. */
export function newPassword() {
  return vine.string().minLength(PASSWORD_MIN_LENGTH).maxLength(200).use(notCommon())
}
