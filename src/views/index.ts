/**
 * The partner center's pages: the handlebars engine every page and email is rendered with (`createViews`,
 * implementing the `Views` contract of src/common), and the page routes under `/partner-center`. A page route
 * parses the query, asks a src/partners service for the data, and renders `templates/pages/<page>.hbs`; the
 * page switch (`pageGate`) answers 404 for pages the partner center configuration turns off. Decisions (what a
 * partner may see, how a figure is computed) are made in src/partners, never here.
 */
export { createViews, shippedTemplatesDir } from './views.js';
export { createPartnerCenterRouter, tierRulesRequirement, type PartnerCenterOptions } from './partner-center.js';
export { pageGate, pageOfPath } from './page-gate.js';
