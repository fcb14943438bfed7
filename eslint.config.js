import { configApp } from '@adonisjs/eslint-config'

export default configApp(
  { ignores: ['build/**', 'tmp/**', '.adonisjs/**', 'public/vendor/**'] },
  {
    rules: {
      // `(await Model.findOrFail(id)).status` reads as one fact; splitting it only adds throwaway names.
      '@unicorn/no-await-expression-member': 'off',
    },
  }
)
