import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { errors } from '@vinejs/vine'
import UserService from '#services/user_service'
import { createUserValidator } from '#validators/user'
import { userRoles, type UserRole } from '#enums/user_role'
import { planNames } from '#config/plans'
import { auditConsole } from '#services/audit_service'

/** Creates a user (and its account when new), asking for whatever the flags do not give. */
export default class UserCreate extends BaseCommand {
  static commandName = 'user:create'
  static description = 'Create a user; the account is created when no account has that name'
  static options: CommandOptions = { startApp: true }

  @flags.string({ description: 'E-mail address (the sign-in name)' })
  declare email?: string

  @flags.string({ description: 'Password (at least 8 characters); asked for when omitted' })
  declare password?: string

  @flags.string({ description: 'Account name; created when it does not exist' })
  declare account?: string

  @flags.string({ description: `Role: ${userRoles.join(', ')}` })
  declare role?: string

  @flags.string({ description: `Plan for a new account: ${planNames.join(', ')}` })
  declare plan?: string

  @flags.boolean({ description: "Staff: the operator's engineers, who may open any account" })
  declare staff?: boolean

  async run() {
    const interactive = process.stdin.isTTY && !this.app.inTest
    const ask = async (given: string | undefined, question: () => Promise<string>) =>
      given ?? (interactive ? question() : undefined)

    const input = {
      email: await ask(this.email, () => this.prompt.ask('E-mail')),
      password: await ask(this.password, () =>
        this.prompt.secure('Password (12+ characters, not a common one)')
      ),
      accountName: await ask(this.account, () => this.prompt.ask('Account name')),
      role: await ask(this.role, () =>
        this.prompt.choice('Role', [...userRoles], { default: 'owner' })
      ),
      isStaff: this.staff ?? false,
      plan: this.plan,
    }

    let data
    try {
      data = await createUserValidator.validate(input)
    } catch (error) {
      if (error instanceof errors.E_VALIDATION_ERROR) {
        for (const message of error.messages)
          this.logger.error(`${message.field}: ${message.message}`)
        this.exitCode = 1
        return
      }
      throw error
    }

    const result = await (
      await this.app.container.make(UserService)
    ).create({ ...data, role: data.role as UserRole })
    if (!result.ok) {
      this.logger.error(result.reason)
      this.exitCode = 1
      return
    }
    if (result.accountCreated)
      this.logger.info(
        `Account "${result.account.name}" created on the ${result.account.plan} plan`
      )
    await auditConsole('user.added', {
      accountId: result.account.id,
      details: { email: result.user.email, role: result.user.role, staff: result.user.isStaff },
    })
    this.logger.success(
      `User ${result.user.email} created in "${result.account.name}" as ${result.user.role}${result.user.isStaff ? ' (staff)' : ''}`
    )
  }
}
