// Shared by the smoke tests of tools/native: the --variant argument, the
// tfjs-node package it names, and a require that resolves it the way lipnet
// does (as packages/backend's optional dependency). Quiets TensorFlow's C++
// info logs unless TF_CPP_MIN_LOG_LEVEL is set.
'use strict';
const path = require('path');
const { createRequire } = require('module');

const args = process.argv.slice(2);
const variant = args.includes('--variant') ? args[args.indexOf('--variant') + 1] : 'cpu';
const pkgName = variant === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
const root = path.resolve(__dirname, '..', '..');
const req = createRequire(path.join(root, 'packages', 'backend', 'package.json'));
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';

module.exports = { args, variant, pkgName, req };
