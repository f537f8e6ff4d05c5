// A consumer app of the compatibility matrix, CommonJS flavour. compat/run.mjs copies it
// as main.js (with check.cjs) into a fresh app with no "type" field (the `nest new` default).
'use strict';
require('reflect-metadata');
const { Controller, Get, Module, UseGuards } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { CurrentUser, PropelAuthModule, RequireUserGuard, TokenVerifierService, User } = require('propelauth-nestjs');
const { PropelAuthEmulator } = require('propelauth-nestjs/testing');

require('./check.cjs')({
  moduleSystem: 'commonjs',
  appFile: __filename,
  packages: { Controller, Get, Module, UseGuards, NestFactory, CurrentUser, PropelAuthModule, RequireUserGuard, TokenVerifierService, User, PropelAuthEmulator },
});
