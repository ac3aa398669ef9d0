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
    // Guarded boundaries (design.md, "Parts"): MQTT.js is the mqtt folder's business, doctor's
    // broker check included; the buffer is reached through its one entry, buffer/index.ts.
    files: ['src/**/*.ts'],
    ignores: ['src/mqtt/**', 'src/buffer/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'mqtt', message: 'MQTT.js is imported only in src/mqtt/.' }],
        patterns: [{ regex: '(^|/)buffer/(?!index\\.js$)[^/]+$', message: 'Import the buffer through buffer/index.js, its only entry.' }],
      }],
    },
  },
  {
    files: ['src/buffer/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'mqtt', message: 'MQTT.js is imported only in src/mqtt/.' }] }] },
  },
  {
    files: ['src/mqtt/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)buffer/(?!index\\.js$)[^/]+$', message: 'Import the buffer through buffer/index.js, its only entry.' }] }] },
  },
  {
    // Our native addons' loaders are CommonJS, as node-gyp builds expect.
    files: ['native/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
