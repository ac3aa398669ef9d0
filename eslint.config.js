// Lint setup: typescript-eslint's recommended rules over our sources and tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'test-output/', 'native/*/build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Hardware libraries only behind the bus and line interfaces of src/hardware: drivers get
    // their buses passed in, so every driver runs on a simulated bus.
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    ignores: ['src/hardware/**', 'native/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['i2c-bus', 'onoff', 'gpio-cdev'].map((name) => ({ name, message: `${name} is imported only in src/hardware (use the Hardware interfaces)` })) }],
    },
  },
  {
    // Our native addons' loaders are CommonJS, as node-gyp builds expect.
    files: ['native/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
