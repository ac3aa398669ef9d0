// Lint setup: typescript-eslint's recommended rules over our sources and tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** One no-restricted-imports setting holding the boundaries an area of the tree must keep. */
function boundaries({ hardware = false, mqtt = false, buffer = false }) {
  const paths = [];
  const patterns = [];
  if (hardware) paths.push(...['i2c-bus', 'onoff', 'gpio-cdev'].map((name) => ({ name, message: `${name} is imported only in src/hardware (use the Hardware interfaces)` })));
  if (mqtt) paths.push({ name: 'mqtt', message: 'MQTT.js is imported only in src/mqtt/.' });
  if (buffer) patterns.push({ regex: '(^|/)buffer/(?!index\\.js$)[^/]+$', message: 'Import the buffer through buffer/index.js, its only entry.' });
  return ['error', { paths, patterns }];
}

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
    // Guarded boundaries (design.md, "Parts"). ESLint keeps only the last options of a rule for a
    // file, so each area below gets every boundary that applies to it in one rule:
    // - the hardware libraries only behind the bus and line interfaces of src/hardware (drivers get
    //   their buses passed in, so every driver runs on a simulated bus);
    // - MQTT.js only in src/mqtt, doctor's broker check included;
    // - the buffer reached from the rest of src only through its one entry, buffer/index.ts.
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    ignores: ['src/**', 'native/**'],
    rules: { 'no-restricted-imports': boundaries({ hardware: true }) },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/hardware/**', 'src/mqtt/**', 'src/buffer/**'],
    rules: { 'no-restricted-imports': boundaries({ hardware: true, mqtt: true, buffer: true }) },
  },
  {
    files: ['src/hardware/**/*.ts'],
    rules: { 'no-restricted-imports': boundaries({ mqtt: true, buffer: true }) },
  },
  {
    files: ['src/mqtt/**/*.ts'],
    rules: { 'no-restricted-imports': boundaries({ hardware: true, buffer: true }) },
  },
  {
    files: ['src/buffer/**/*.ts'],
    rules: { 'no-restricted-imports': boundaries({ hardware: true, mqtt: true }) },
  },
  {
    // Our native addons' loaders are CommonJS, as node-gyp builds expect.
    files: ['native/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
