#!/usr/bin/env node
// The build's post-compile step (`npx projen build`, `npx projen post-compile`): writes what lib/ ships besides the
// compiled code, never committed:
//   lib/built/templates.cjs   the built-in templates/**/*.hbs precompiled by Handlebars (files without .hbs are copied
//                             as they are at run time, never compiled)
//   lib/built/templates.json  the built-in template folder's listings and copied files, as one file
//   lib/built/catalog.json    catalog/*.yaml parsed and validated, as JSON
//   lib/built/documents.json  the ExternalSecrets and HTTPRoutes of the copied templates parsed, for the design docs
// Without them (running from src/, or a lib/ built by a bare tsc) the tool compiles and validates at run time.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { writePrecompiledTemplates, writeTemplatePack } = require(path.join(ROOT, 'lib', 'core', 'precompiled.js'));
const { BUILTIN_TEMPLATES } = require(path.join(ROOT, 'lib', 'core', 'render.js'));
const { writeCatalogCache } = require(path.join(ROOT, 'lib', 'model', 'stories.js'));
const { writePrebuiltDocuments } = require(path.join(ROOT, 'lib', 'generate', 'documents.js'));

const templates = writePrecompiledTemplates(BUILTIN_TEMPLATES);
const pack = writeTemplatePack(BUILTIN_TEMPLATES);
const catalog = writeCatalogCache();
const documents = writePrebuiltDocuments(BUILTIN_TEMPLATES);
const rel = (f) => path.relative(ROOT, f);
console.log(
  [
    `${rel(templates.file)}: ${templates.count} templates`,
    `${rel(pack.file)}: ${pack.count} folders`,
    rel(catalog),
    `${rel(documents.file)}: ${documents.count} pieces`,
  ].join('; '),
);
