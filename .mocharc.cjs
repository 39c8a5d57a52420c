// mocha's configuration. `spec` (every test) applies only when no test file is named on the
// command line: mocha adds a config file's spec to the files named, so `npx mocha
// dist/test/x.test.js` would otherwise run the whole suite as well.
const namesFiles = process.argv.slice(2).some((arg) => /\.js$/.test(arg) || (arg.includes('/') && arg.includes('*')));

module.exports = {
  ...(namesFiles ? {} : { spec: ['dist/test/**/*.test.js'] }),
  require: ['dist/test/support/root-hooks.js'],
  timeout: 20000,
  reporter: 'spec',
  exit: true,
};
