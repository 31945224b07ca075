// The whole suite: every test file under test/, TypeScript through tsx, one shared PostgreSQL.
module.exports = {
  'node-option': ['import=tsx', 'no-warnings=ExperimentalWarning'],
  require: ['test/support/hooks.ts'],
  spec: process.env.PARTNERGATE_TEST_SPEC ? process.env.PARTNERGATE_TEST_SPEC.split(',') : ['test/**/*.test.ts'],
  reporter: 'test/support/reporter.cjs',
  timeout: 30000,
  exit: true,
};
