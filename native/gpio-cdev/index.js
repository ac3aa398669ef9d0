'use strict';
// The compiled binding (build/Release/gpio_cdev.node, built by node-gyp at install time).
module.exports = require('./build/Release/gpio_cdev.node');
