// A consumer app of the compatibility matrix, ES module flavour. compat/run.mjs copies it
// as main.js (with check.cjs) into a fresh app with "type": "module".
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CurrentUser, PropelAuthModule, RequireUserGuard, TokenVerifierService, User } from 'propelauth-nestjs';
import { PropelAuthEmulator } from 'propelauth-nestjs/testing';

createRequire(import.meta.url)('./check.cjs')({
  moduleSystem: 'esm',
  appFile: import.meta.url,
  packages: { Controller, Get, Module, UseGuards, NestFactory, CurrentUser, PropelAuthModule, RequireUserGuard, TokenVerifierService, User, PropelAuthEmulator },
});
