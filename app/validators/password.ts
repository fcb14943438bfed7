import vine from '@vinejs/vine'

/**
 * The 49,000 most common passwords from zxcvbn-ts's common-language list (the list its
 * strength estimator uses), lower-cased: "password", "123456789012" and friends are refused.
 * Loaded the first time a password is checked: the list and its set hold several megabytes
 * that every process importing the validators (Ace loads every command) would otherwise carry.
 */
let commonPasswords: Promise<Set<string>> | undefined

const PASSWORD_MIN_LENGTH = 12

/** True when the password is on the common-passwords list (case does not matter). */
async function isCommonPassword(password: string) {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) =>
      new Set((dictionary['passwords-common'] as string[]).map((word) => word.toLowerCase()))
  )
  return (await commonPasswords).has(password.toLowerCase())
}

const notCommon = vine.createRule(
  async (value, _options, field) => {
    if (typeof value !== 'string') return
    if (await isCommonPassword(value)) {
      field.report(
        'This password is one of the most common ones, which are tried first. Choose another.',
        'notCommon',
        field
      )
    }
  },
  { isAsync: true }
)

/** A new password: at least 12 characters and not a common one. */
export function newPassword() {
  return vine.string().minLength(PASSWORD_MIN_LENGTH).maxLength(200).use(notCommon())
}
